// Where the CLI writes: results to stdout (a table, or JSON with -o json), progress and hints to stderr, so a script
// can pipe the result and still show a human what is going on.

interface Stream {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Record<string, string | undefined>;
  /** between polls; tests inject one that does not wait */
  sleep?: (ms: number) => Promise<void>;
}

export const FORMATS = ['table', 'json'] as const;
export type Format = (typeof FORMATS)[number];

interface Column {
  header: string;
  align?: 'left' | 'right';
}

export class Output {
  constructor(
    readonly io: CliIo,
    readonly format: Format,
  ) {}

  get json(): boolean {
    return this.format === 'json';
  }

  /** a result on stdout */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** the whole result as JSON on stdout */
  data(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** progress, notes and hints on stderr */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  table(columns: Column[], rows: string[][]): void {
    this.io.stdout.write(renderTable(columns, rows));
  }

  /** `key  value` lines, aligned */
  fields(pairs: [string, string | undefined][]): void {
    const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
    const width = Math.max(0, ...shown.map(([k]) => k.length));
    for (const [k, v] of shown) this.line(`${k.padEnd(width)}  ${v}`);
  }
}

export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        return c.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...rows.map(render)].map((l) => `${l}\n`).join('');
}

export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

export function usd(v: unknown, digits = 4): string {
  const n = Number(v);
  return Number.isFinite(n) ? `$${n.toFixed(digits)}` : '';
}

export function num(v: unknown, digits = 2): string {
  const n = Number(v);
  return v === undefined || v === null || !Number.isFinite(n) ? '' : n.toFixed(digits);
}

/** 850 → "850ms", 2900 → "2.9s", 243000 → "4m03s", 7_380_000 → "2h03m" */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "2026-05-01T12:00:00.000Z" → "2026-05-01 12:00:00Z" (seconds are enough on a terminal) */
export function time(iso: unknown): string {
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return '';
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function age(iso: unknown, now = Date.now()): string {
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return '';
  const ms = now - Date.parse(iso);
  return ms < 0 ? `in ${duration(-ms)}` : `${duration(ms)} ago`;
}

/** Free text from the server on one line (an error message must never break the one-line contract). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
