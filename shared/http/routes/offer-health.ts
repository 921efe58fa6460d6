// GET /api/v1/offer-health: which offers failed recently, which are suppressed, which GPU types are degraded, and
// which marketplace hosts failed verification (for anyone) in the last day.
import { gpuKey } from '../../domain/offer.ts';
import { assessHealth, DEFAULT_HEALTH_RULES, type HealthRules } from '../../domain/offer-health.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import { offerHealthQuery } from '../schemas/inventory.ts';
import { validate } from '../validate.ts';
import type { OfferFailureSource } from '../../ports/inventory-storage.ts';

export interface OfferHealthApiDeps {
  failures: OfferFailureSource;
  now: () => Date;
  rules?: HealthRules;
}

export function makeRoutes(deps: OfferHealthApiDeps): Route[] {
  return [{ method: 'GET', path: '/api/v1/offer-health', handler: (req) => offerHealth(deps, req.query) }];
}

async function offerHealth(deps: OfferHealthApiDeps, query: Record<string, string>) {
  const { provider, gpu_type } = validate(offerHealthQuery, presentParams(query), 'query');
  const gpu = gpu_type === undefined ? undefined : gpuKey(gpu_type);
  const matches = (h: { provider: string; gpu_type: string }) =>
    (provider === undefined || h.provider === provider) && (gpu === undefined || gpuKey(h.gpu_type) === gpu);

  const health = assessHealth(await deps.failures.recentFailures(), deps.now(), deps.rules ?? DEFAULT_HEALTH_RULES);
  const offers = health
    .offers()
    .filter(matches)
    .sort((a, b) => (b.last_failure ?? '').localeCompare(a.last_failure ?? '') || a.offer_id.localeCompare(b.offer_id));
  const gpuTypes = health
    .gpuTypes()
    .filter(matches)
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.gpu_type.localeCompare(b.gpu_type));
  // hosts are listed by provider only: one machine serves offers of several GPU types
  const hosts = health.hosts.list().filter((h) => provider === undefined || h.provider === provider);
  return json(200, { offers, gpu_types: gpuTypes, hosts, count: offers.length });
}

export const makeHandler = (deps: OfferHealthApiDeps) => httpHandler(makeRoutes(deps));
