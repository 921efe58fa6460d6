// Five-field cron (minute hour day-of-month month day-of-week, UTC): `*`, lists, ranges and steps, as crontab(5).
// Benchmark schedules are evaluated by a one-minute schedule (EventBridge Scheduler in AWS, the local scheduler
// locally), so an expression is checked here, where a bad one is a 400 and not a schedule that never fires.
import { ValidationError } from './errors.ts';

interface Field {
  min: number;
  max: number;
}

const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 7 },
];

interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** crontab: when both day fields are restricted, a day matching either one matches */
  dayOr: boolean;
}

function parseField(text: string, field: Field, name: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new ValidationError(`cron: ${name} field "${text}" is not a cron field`, { field: 'cron' });
    const step = m[4] === undefined ? 1 : Number(m[4]);
    let lo = field.min;
    let hi = field.max;
    if (m[1] !== '*') {
      lo = Number(m[2]);
      hi = m[3] === undefined ? (m[4] === undefined ? lo : field.max) : Number(m[3]);
    }
    if (step < 1 || lo < field.min || hi > field.max || lo > hi) {
      throw new ValidationError(`cron: ${name} field "${text}" is out of range ${field.min}-${field.max}`, { field: 'cron' });
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star: text === '*' || text.startsWith('*/') };
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new ValidationError('cron: needs five fields (minute hour day-of-month month day-of-week, UTC)', { field: 'cron' });
  }
  const names = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
  const [mi, h, d, mo, w] = parts.map((p, i) => parseField(p, FIELDS[i]!, names[i]!));
  const weekdays = new Set([...w!.values].map((v) => v % 7));
  return { minutes: mi!.values, hours: h!.values, days: d!.values, months: mo!.values, weekdays, dayOr: !d!.star && !w!.star };
}

function matchesDay(c: Cron, t: Date): boolean {
  const dom = c.days.has(t.getUTCDate());
  const dow = c.weekdays.has(t.getUTCDay());
  return c.dayOr ? dom || dow : dom && dow;
}

/** The first occurrence strictly after `after` (whole minutes), or undefined within the next ~4 years. */
export function nextOccurrence(c: Cron, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 4 * 366 * 24 * 3_600_000;
  while (t.getTime() <= limit) {
    if (!c.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
      continue;
    }
    if (!matchesDay(c, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
      continue;
    }
    if (!c.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
      continue;
    }
    if (!c.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    return t;
  }
  return undefined;
}

/**
 * The latest occurrence in (after, now], if any: what a check at `now` owes. Occurrences missed while nothing ran
 * are not all made up for: one run stands for them.
 */
export function dueOccurrence(c: Cron, after: Date, now: Date): Date | undefined {
  let due: Date | undefined;
  // a schedule that was not checked for days owes one run, not a scan of every minute since
  let cursor = new Date(Math.max(after.getTime(), now.getTime() - 2 * 24 * 3_600_000));
  for (let i = 0; i < 10_000; i++) {
    const next = nextOccurrence(c, cursor);
    if (!next || next.getTime() > now.getTime()) break;
    due = next;
    cursor = next;
  }
  return due;
}
