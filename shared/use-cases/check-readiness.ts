import type { ReadinessCheck } from '../ports/readiness.ts';

interface Readiness {
  ready: boolean;
  message?: string;
  checks: Record<string, 'ok' | string>;
}

/** Ready when every dependency answers; checks run in parallel and a throwing check counts as not ready. */
export async function checkReadiness(checks: ReadinessCheck[]): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return [c.name, (await c.check()) ?? 'ok'] as const;
      } catch (err) {
        return [c.name, `unavailable: ${(err as Error).name}`] as const;
      }
    }),
  );
  const failing = results.filter(([, r]) => r !== 'ok');
  return {
    ready: failing.length === 0,
    message: failing.length ? failing.map(([n, r]) => `${n}: ${r}`).join('; ') : undefined,
    checks: Object.fromEntries(results),
  };
}
