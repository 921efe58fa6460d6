// Idle auto-stop: a running session whose GPUs sit unused and that nobody is logged in to, for its whole
// idle_stop_minutes window, is ended (reason idle) — first warned (session.expiring) a little before.

/** What the check runs: every GPU's utilisation, a separator, then the logged-in users. */
export const IDLE_PROBE_COMMAND = 'nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits; echo ---; who';

/** A GPU below this utilisation (percent) counts as unused. */
const IDLE_GPU_PERCENT = 5;

interface IdleSample {
  /** utilisation per GPU, percent */
  gpu_util: number[];
  logins: number;
}

/** undefined when the output is not what the command prints (then the sample says nothing either way) */
export function parseIdleProbe(stdout: string): IdleSample | undefined {
  const [gpuPart, whoPart] = stdout.split(/^---$/m);
  if (gpuPart === undefined || whoPart === undefined) return undefined;
  const util = gpuPart
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number);
  if (util.length === 0 || util.some((u) => !Number.isFinite(u))) return undefined;
  const logins = whoPart.split('\n').filter((l) => l.trim() !== '').length;
  return { gpu_util: util, logins };
}

export const isIdle = (s: IdleSample): boolean => s.logins === 0 && s.gpu_util.every((u) => u < IDLE_GPU_PERCENT);

/** How long before the idle window ends the consumer is warned: 10 min, or a third of a shorter window. */
const idleWarningMs = (windowMs: number): number => Math.min(10 * 60_000, Math.floor(windowMs / 3));

type IdleVerdict = 'active' | 'idle' | 'warn' | 'stop';

export function idleVerdict(idleSinceMs: number | undefined, nowMs: number, windowMs: number, warned: boolean): IdleVerdict {
  if (idleSinceMs === undefined) return 'active';
  const idleFor = nowMs - idleSinceMs;
  // never stopped without the warning first: a check that comes late warns now and stops the next time
  if (idleFor >= windowMs) return warned ? 'stop' : 'warn';
  if (!warned && idleFor >= windowMs - idleWarningMs(windowMs)) return 'warn';
  return 'idle';
}
