// What a section reports, and the two ways of printing it: readable tables, or one JSON object with every figure.

type Cell = string | number | null | undefined;

export interface Table {
  title?: string;
  columns: string[];
  rows: Cell[][];
}

interface Goal {
  name: string;
  /** e.g. "< 1.5" or "≤ 2 s" */
  target: string;
  value: number | null;
  unit?: string;
  /** null when the figure could not be measured */
  met: boolean | null;
}

export interface SectionOutput {
  /** every measured figure, JSON-ready */
  figures: Record<string, unknown>;
  goals: Goal[];
  tables: Table[];
  /** what the figures mean, what dominates a missed goal, assumptions */
  notes: string[];
}

export interface SectionResult extends SectionOutput {
  section: string;
  title: string;
  quick: boolean;
  /** wall time of the whole section, runtime start and stop included */
  duration_s: number;
  /** set when the section could not run to the end */
  error?: string;
  /** how busy the machine was (other work on it skews every timing) */
  machine?: { cores: number; load_average_start: number; load_average_end: number };
}

/** Human-friendly number: integers grouped, small values with 3 significant digits. */
export function fmt(value: Cell, unit = ''): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  let text: string;
  if (Number.isInteger(value)) text = abs >= 1000 ? value.toLocaleString('en-US') : String(value);
  else if (abs >= 1000) text = Math.round(value).toLocaleString('en-US');
  else if (abs >= 100) text = value.toFixed(0);
  else if (abs >= 10) text = value.toFixed(1);
  else if (abs >= 1) text = value.toFixed(2);
  else text = value.toPrecision(3);
  return unit ? `${text} ${unit}` : text;
}

/** Dollars with enough decimals to see small amounts. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value === 0) return '$0';
  const abs = Math.abs(value);
  const digits = abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return `$${value.toFixed(digits)}`;
}

const isFigure = (cell: Cell) => typeof cell !== 'string' || /^[-–$<>≤≥~]?\s?[\d.]/.test(cell);

export function renderTable(table: Table): string {
  const cells = table.rows.map((row) => table.columns.map((_, i) => fmt(row[i])));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  // text columns left, figures right
  const numeric = table.columns.map((_, i) => table.rows.every((r) => isFigure(r[i])));
  const pad = (text: string, i: number) => (numeric[i] && i > 0 ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (row: string[]) => `  ${row.map(pad).join('  ')}`.trimEnd();
  const out: string[] = [];
  if (table.title) out.push(`  ${table.title}`);
  out.push(line(table.columns), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...cells.map(line));
  return out.join('\n');
}

function goalsTable(goals: Goal[]): Table {
  return {
    title: 'Goals',
    columns: ['goal', 'target', 'measured', 'met'],
    rows: goals.map((g) => [g.name, g.target, fmt(g.value, g.unit), g.met === null ? 'n/a' : g.met ? 'yes' : 'NO']),
  };
}

export function renderSection(result: SectionResult): string {
  const m = result.machine;
  const load = m ? `, load average ${m.load_average_start.toFixed(1)}→${m.load_average_end.toFixed(1)} on ${m.cores} cores` : '';
  const head = `━━ ${result.section}: ${result.title} ━━ ${result.duration_s.toFixed(1)} s${result.quick ? ' (--quick)' : ''}${load}`;
  const parts = [head];
  if (result.error) parts.push(`  FAILED: ${result.error}`);
  for (const table of result.tables) parts.push(renderTable(table));
  if (result.goals.length) parts.push(renderTable(goalsTable(result.goals)));
  if (result.notes.length) parts.push(result.notes.map((n) => `  · ${n}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** One JSON object, a key per section, with every figure and the goals. */
export function toJson(results: SectionResult[]): Record<string, unknown> {
  return Object.fromEntries(
    results.map((r) => [
      r.section,
      {
        duration_s: Math.round(r.duration_s * 10) / 10,
        quick: r.quick,
        ...(r.machine ? { machine: r.machine } : {}),
        ...(r.error ? { error: r.error } : {}),
        goals: r.goals,
        ...r.figures,
        notes: r.notes,
      },
    ]),
  );
}

export const goal = (name: string, target: string, value: number | null, met: boolean | null, unit?: string): Goal => ({
  name,
  target,
  value,
  ...(unit ? { unit } : {}),
  met: value === null ? null : met,
});
