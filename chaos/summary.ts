// The chaos run's report: what ran, what was injected, how sessions ended, and each check with its offenders.
import type { CheckResult } from './checks.ts';
import type { ChaosSettings } from './scenario.ts';

export interface Summary {
  sessions_requested: number;
  sessions_created: number;
  seed: number;
  duration_seconds: number;
  settings: ChaosSettings;
  plans: Record<string, number>;
  refused_creates: Record<string, number>;
  outcomes: Record<string, number>;
  ended_reasons: Record<string, number>;
  attempts: Record<string, number>;
  answers: Record<string, number>;
  unexpected_answers: { session?: string; action: string; status: number; error_type?: string }[];
  api: { requests: number; by_status: Record<string, number>; network_errors: number };
  /** per function, over every run of the runtime */
  invocations: Record<string, { invocations: number; errors: number; total_ms: number; mean_ms: number; max_ms: number }>;
  /** per function, the runtime's execution environments over every run (empty in LOCAL_LAMBDA_ENVIRONMENTS=process) */
  environments: Record<string, EnvironmentSummary>;
  faults: {
    provider_429: number;
    provider_5xx: number;
    lost_create_answers: number;
    task_crashes_before: number;
    task_crashes_after: number;
    task_crashes_by_function: Record<string, number>;
    /** LOCAL_FAULT_FAIL_TASKS and LOCAL_FAULT_ABORT_TEARDOWNS */
    teardown: { failed_tasks: number; failing_sessions: number; teardowns_aborted: number };
    /** dead teardown executions the sweep ran again */
    teardowns_rerun: number;
    /** seconds down, per restart */
    restarts: number[];
    /** how many sessions were in each status when the runtime was stopped, per restart */
    sessions_at_restart: Record<string, number>[];
    instances_by_host: Record<string, number>;
  };
  /** the timing bounds the checks applied, as formulas with their figures */
  allowances: Record<string, string>;
  checks: CheckResult[];
  data_dir: string;
}

/** Offenders listed per failed check before "… and N more". */
const SHOWN = 15;

const pairs = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

function formatSummary(s: Summary): string {
  const f = s.faults;
  const lines = [
    '',
    `chaos run: ${s.sessions_created}/${s.sessions_requested} sessions created, seed ${s.seed}, ${s.duration_seconds} s`,
    `  plans:            ${pairs(s.plans)}`,
    `  creates refused:  ${pairs(s.refused_creates)}`,
    `  outcomes:         ${pairs(s.outcomes)}`,
    `  ended because:    ${pairs(s.ended_reasons)}`,
    `  attempts:         ${pairs(s.attempts)}`,
    `  answers:          ${pairs(s.answers)}`,
    `  API:              ${s.api.requests} answers (${pairs(s.api.by_status)}), ${s.api.network_errors} broken connections`,
    `  invocations:      ${Object.entries(s.invocations)
      .sort((a, b) => b[1].invocations - a[1].invocations)
      .map(([fn, i]) => `${fn} ${i.invocations} (mean ${i.mean_ms} ms, max ${i.max_ms} ms)`)
      .join(', ')}`,
    `  environments:     ${
      Object.entries(s.environments)
        .sort((a, b) => b[1].started - a[1].started)
        .map(([fn, e]) => `${fn} ${e.started} (peak ${e.peak_concurrent}, cold p50 ${e.cold_p50_ms ?? '–'} / p95 ${e.cold_p95_ms ?? '–'} ms${e.throttles ? `, ${e.throttles} throttled` : ''})`)
        .join(', ') || 'none (in-process handlers)'
    }`,
    '  faults injected:',
    `    provider answers: ${f.provider_429} × 429, ${f.provider_5xx} × 5xx, ${f.lost_create_answers} lost create answers`,
    `    task crashes:     ${f.task_crashes_before + f.task_crashes_after} (${f.task_crashes_before} before, ${f.task_crashes_after} after their work): ${pairs(f.task_crashes_by_function)}`,
    `    teardown faults:  ${f.teardown.failed_tasks} failed StopProvisioning/CloseSession invocations (${f.teardown.failing_sessions} sessions), ${f.teardown.teardowns_aborted} teardowns aborted; ${f.teardowns_rerun} dead teardowns run again`,
    `    restarts:         ${
      f.restarts.length ? f.restarts.map((d, i) => `${d} s down, stopped with sessions ${pairs(f.sessions_at_restart[i] ?? {})}`).join('; ') : 'none'
    }`,
    `    instances:        ${pairs(f.instances_by_host)}`,
  ];
  if (s.unexpected_answers.length > 0) {
    lines.push(`  answers outside the contract: ${s.unexpected_answers.length}`);
    for (const u of s.unexpected_answers.slice(0, SHOWN)) lines.push(`    ${u.action} ${u.status} ${u.error_type ?? ''} ${u.session ?? ''}`);
  }
  lines.push('  bounds (schedule + longest measured run):');
  for (const [name, formula] of Object.entries(s.allowances)) lines.push(`    ${name}: ${formula}`);
  lines.push('  checks:');
  for (const c of s.checks) {
    const notes = c.notes ? `  [${Object.entries(c.notes).map(([k, v]) => `${k} ${v}`).join(', ')}]` : '';
    lines.push(`    ${c.passed ? 'PASS' : 'FAIL'}  ${c.title} (${c.checked} checked)${notes}`);
    for (const v of c.violations.slice(0, SHOWN)) lines.push(`          ${v.id}: ${v.detail}`);
    if (c.violations.length > SHOWN) lines.push(`          … and ${c.violations.length - SHOWN} more`);
  }
  const failed = s.checks.filter((c) => !c.passed).length;
  lines.push(failed === 0 ? '  every check passed' : `  ${failed} check(s) failed; runtime log in ${s.data_dir}`, '');
  return lines.join('\n');
}

export function printSummary(s: Summary, { json }: { json: boolean }): void {
  if (json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  else process.stdout.write(formatSummary(s));
}

export interface CrashReport {
  before: number;
  after: number;
  by_function: Record<string, number>;
  teardown?: { failed_tasks: number; failing_sessions: number; teardowns_aborted: number };
}

/** The runtime reports its injected crashes at each stop: the run's total. */
export function sumCrashes(reports: CrashReport[]): CrashReport {
  const sum: CrashReport = { before: 0, after: 0, by_function: {}, teardown: { failed_tasks: 0, failing_sessions: 0, teardowns_aborted: 0 } };
  for (const r of reports) {
    sum.before += r.before;
    sum.after += r.after;
    sum.teardown!.failed_tasks += r.teardown?.failed_tasks ?? 0;
    // the same sessions fail again after a restart: the largest count, not the sum
    sum.teardown!.failing_sessions = Math.max(sum.teardown!.failing_sessions, r.teardown?.failing_sessions ?? 0);
    sum.teardown!.teardowns_aborted += r.teardown?.teardowns_aborted ?? 0;
    for (const [fn, n] of Object.entries(r.by_function)) sum.by_function[fn] = (sum.by_function[fn] ?? 0) + n;
  }
  return sum;
}

/** The runtime reports its invocation figures at each stop: the run's figures per function. */
export function sumInvocations(reports: Record<string, { invocations: number; errors: number; totalMs: number; maxMs: number }>[]) {
  const out: Summary['invocations'] = {};
  for (const report of reports) {
    for (const [fn, st] of Object.entries(report)) {
      const into = out[fn] ?? { invocations: 0, errors: 0, total_ms: 0, mean_ms: 0, max_ms: 0 };
      out[fn] = into;
      into.invocations += st.invocations;
      into.errors += st.errors;
      into.total_ms += Math.round(st.totalMs);
      into.max_ms = Math.max(into.max_ms, Math.round(st.maxMs));
      into.mean_ms = Math.round(into.total_ms / Math.max(1, into.invocations));
    }
  }
  return out;
}

interface EnvironmentSummary {
  started: number;
  peak_concurrent: number;
  throttles: number;
  queued: number;
  /** the highest per-run percentile (percentiles of separate runs do not add up) */
  cold_p50_ms: number | null;
  cold_p95_ms: number | null;
}

/** What `[gpu-shopper] environments: {…}` carries per function (local/environment-pool.ts EnvironmentStats). */
export interface EnvironmentReport {
  started: number;
  peak_concurrent: number;
  throttles: number;
  queued: number;
  cold_start_ms: { p50: number | null; p95: number | null };
}

/** The runtime reports its environments at each stop: started and throttled add up, peaks and percentiles the highest. */
export function sumEnvironments(reports: Record<string, EnvironmentReport>[]): Summary['environments'] {
  const out: Summary['environments'] = {};
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const report of reports) {
    for (const [fn, e] of Object.entries(report)) {
      const into = out[fn] ?? { started: 0, peak_concurrent: 0, throttles: 0, queued: 0, cold_p50_ms: null, cold_p95_ms: null };
      out[fn] = into;
      into.started += e.started;
      into.throttles += e.throttles;
      into.queued += e.queued;
      into.peak_concurrent = Math.max(into.peak_concurrent, e.peak_concurrent);
      into.cold_p50_ms = max(into.cold_p50_ms, e.cold_start_ms.p50);
      into.cold_p95_ms = max(into.cold_p95_ms, e.cold_start_ms.p95);
    }
  }
  return out;
}
