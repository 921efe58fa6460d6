// Scheduled benchmark runs. A schedule is a cron expression and a run spec, stored; one check a minute (the
// BenchmarkScheduleCheck schedule: EventBridge Scheduler in AWS, the local scheduler locally) starts the run each
// due schedule owes. The run id is derived from the schedule and the occurrence, so two checks of the same minute
// (Scheduler delivers at least once) start one run, and the occurrence is recorded on the schedule under its lock.
import type { Answer } from '../../http/schemas/responses.ts';
import { randomUUID } from 'node:crypto';
import type { scheduleAnswer } from '../../http/schemas/benchmarks.ts';
import { type BenchmarkRunSpec, type BenchmarkSchedule, scheduledRunId } from '../../domain/benchmark-run.ts';
import { dueOccurrence, nextOccurrence, parseCron } from '../../domain/cron.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { BenchmarkScheduleStore } from '../../ports/benchmarks.ts';
import { type StartRunDeps, startRun } from './benchmark-runs.ts';

export interface ScheduleDeps {
  schedules: BenchmarkScheduleStore;
  clock: () => Date;
}

export async function createSchedule(
  deps: ScheduleDeps,
  req: { consumer_id: string; name?: string; cron: string; spec: BenchmarkRunSpec; enabled: boolean },
): Promise<BenchmarkSchedule> {
  // a bad expression is the caller's 400 now, not a schedule that silently never fires
  const cron = parseCron(req.cron);
  if (!nextOccurrence(cron, deps.clock())) throw new ValidationError('cron: the expression never fires', { field: 'cron' });
  const now = deps.clock().toISOString();
  const schedule: BenchmarkSchedule = {
    id: randomUUID(),
    consumer_id: req.consumer_id,
    ...(req.name ? { name: req.name } : {}),
    cron: req.cron.trim(),
    spec: req.spec,
    enabled: req.enabled,
    created_at: now,
    updated_at: now,
    version: 1,
  };
  await deps.schedules.create(schedule);
  return schedule;
}

export async function scheduleForCaller(
  deps: ScheduleDeps,
  id: string,
  mayRead: (consumerId: string) => boolean,
): Promise<BenchmarkSchedule> {
  const s = await deps.schedules.get(id);
  if (!s || !mayRead(s.consumer_id)) throw new NotFoundError(`benchmark schedule ${id} not found`, { schedule_id: id });
  return s;
}

export function scheduleView(s: BenchmarkSchedule, now: Date) {
  const { version: _v, spec, ...rest } = s;
  const next = s.enabled ? nextOccurrence(parseCron(s.cron), now) : undefined;
  return { ...rest, run_request: spec, ...(next ? { next_run_at: next.toISOString() } : {}) } satisfies Answer<typeof scheduleAnswer>;
}

export interface FireDeps extends ScheduleDeps, StartRunDeps {
  onError?: (scheduleId: string, err: unknown) => void;
}

interface FireReport {
  checked: number;
  started: number;
  failed: number;
}

export async function fireDueSchedules(deps: FireDeps): Promise<FireReport> {
  const report: FireReport = { checked: 0, started: 0, failed: 0 };
  const now = deps.clock();
  for (const schedule of await deps.schedules.listEnabled()) {
    report.checked += 1;
    const due = dueOccurrence(parseCron(schedule.cron), new Date(schedule.last_fired_for ?? schedule.created_at), now);
    if (!due) continue;
    const runId = scheduledRunId(schedule.id, due);
    try {
      // the run first (idempotent by id), then the schedule: a crash in between re-finds the same run next minute
      const { created } = await startRun(deps, schedule.consumer_id, schedule.spec, { id: runId, schedule_id: schedule.id });
      await deps.schedules.apply(schedule.id, (s) =>
        s.last_fired_for && Date.parse(s.last_fired_for) >= due.getTime()
          ? undefined
          : { last_fired_for: due.toISOString(), last_run_id: runId, last_error: undefined, updated_at: now.toISOString() },
      );
      if (created) report.started += 1;
    } catch (err) {
      report.failed += 1;
      deps.onError?.(schedule.id, err);
      await deps.schedules
        .apply(schedule.id, () => ({ last_error: (err as Error).message.slice(0, 300), updated_at: now.toISOString() }))
        .catch(() => undefined);
    }
  }
  return report;
}
