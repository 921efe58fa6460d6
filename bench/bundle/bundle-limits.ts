// The limits every Lambda bundle must keep (issue 10), and the check CI runs (`npm run bench -- bundle --strict`
// fails when a bundle breaks one). Bigger bundles load slower on a cold start, and a cold start is a user waiting.

export const BUNDLE_LIMITS = {
  /** minified bundle, source map not counted (1 MB = 1,000,000 bytes) */
  maxBytes: 1_000_000,
  /** median cold module load in a fresh Node process, as deployed (NODE_OPTIONS=--enable-source-maps) */
  maxLoadMs: 300,
} as const;

type BundleLimits = { maxBytes: number; maxLoadMs: number };

interface BundleFigures {
  functionId: string;
  bytes: number;
  /** undefined when the bundle could not be loaded */
  loadMs?: number;
  loadError?: string;
}

/** Every limit the bundle breaks, as a sentence; empty when it keeps them all. */
export function bundleViolations(b: BundleFigures, limits: BundleLimits = BUNDLE_LIMITS): string[] {
  const out: string[] = [];
  if (b.bytes >= limits.maxBytes) out.push(`${b.functionId}: bundle is ${b.bytes} bytes (limit ${limits.maxBytes})`);
  if (b.loadError) out.push(`${b.functionId}: bundle fails to load: ${b.loadError}`);
  else if (b.loadMs === undefined) out.push(`${b.functionId}: load time not measured`);
  else if (b.loadMs >= limits.maxLoadMs) {
    out.push(`${b.functionId}: cold module load takes ${Math.round(b.loadMs)} ms (limit ${limits.maxLoadMs})`);
  }
  return out;
}
