// GET /api/v1/inventory and GET /api/v1/inventory/{id}: answered from stored snapshots only, never a provider.
import { BenchmarkPredictor, rankByValue } from '../../domain/benchmark.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { DEFAULT_LIMIT, type InventoryQuery, queryOffers } from '../../domain/inventory-query.ts';
import { DEFAULT_PRICED_DISK_GB, priceFor, pricedOffers } from '../../domain/offer-pricing.ts';
import { templateCompatibility } from '../../domain/template.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import { inventoryQuery, offerQuery } from '../schemas/inventory.ts';
import type { Answer, offer as offerAnswer } from '../schemas/responses.ts';
import { validate } from '../validate.ts';
import { sanitizeEcho } from '../../observability/redact.ts';
import type { BenchmarkStore } from '../../ports/benchmarks.ts';
import type { InventoryService, ServedOffer } from '../../use-cases/inventory-service.ts';
import type { TemplateCatalog } from '../../use-cases/templates/template-catalog.ts';

function parseInventoryQuery(raw: Record<string, string | undefined>): InventoryQuery {
  const { gpu_count, min_gpu_count, limit, offset, sort, model: _model, ...rest } = validate(
    inventoryQuery,
    presentParams(raw),
    'query',
  );
  return {
    ...rest,
    // both spellings are in use; the explicit one wins
    min_gpu_count: min_gpu_count ?? gpu_count,
    limit: limit ?? DEFAULT_LIMIT,
    offset: offset ?? 0,
    // value is a ranking over the filtered offers (valueSort); they are filtered in price order first
    sort: sort === 'value' || sort === undefined ? 'price' : sort,
  };
}

/** sort=value: the model whose benchmark results rank the offers by predicted $/Mtok (issue 19). */
function valueSort(raw: Record<string, string | undefined>): string | undefined {
  const { sort, model } = validate(inventoryQuery, presentParams(raw), 'query');
  if (sort !== 'value') return undefined;
  if (!model) throw new ValidationError('model: is required with sort=value', { field: 'model' });
  return model;
}

export interface InventoryApiDeps {
  inventory: Pick<InventoryService, 'view'>;
  /** the Vast.ai template catalog, for the template_hash_id filter */
  templates?: Pick<TemplateCatalog, 'find'>;
  /** the disk offers are priced for when the caller names none: a session's default disk */
  defaultDiskGb?: number;
  /** benchmark results, for sort=value */
  benchmarks?: Pick<BenchmarkStore, 'forModel'>;
}

/**
 * The wire shape: the offer re-priced for `diskGb` (price_per_hour all in), what that price is made of, plus `region`
 * and a string `availability` that existing clients read.
 */
function toApiOffer(offer: ServedOffer, diskGb: number) {
  const price = priceFor(offer, diskGb);
  return {
    ...offer,
    price_per_hour: price.price_per_hour,
    priced_for_disk_gb: diskGb,
    price_breakdown: price,
    region: offer.location,
  } satisfies Answer<typeof offerAnswer>;
}

export function makeRoutes(deps: InventoryApiDeps): Route[] {
  const defaultDisk = deps.defaultDiskGb ?? DEFAULT_PRICED_DISK_GB;
  return [
    {
      method: 'GET',
      path: '/api/v1/inventory/{id}',
      handler: async (req) => {
        const id = req.pathParams['id'] ?? '';
        const { disk_gb } = validate(offerQuery, presentParams(req.query), 'query');
        const offer = (await deps.inventory.view()).offers.find((o) => o.id === id);
        if (!offer) {
          const shown = sanitizeEcho(id);
          throw new NotFoundError(`offer ${shown} is not in current inventory`, { offer_id: shown });
        }
        return json(200, toApiOffer(offer, disk_gb ?? defaultDisk));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/inventory',
      handler: async (req) => {
        const query = parseInventoryQuery(req.query);
        const disk = query.disk_gb ?? defaultDisk;
        const view = await deps.inventory.view();
        // price filter and sort see the all-in price for this disk; hosts that cannot give the disk are left out
        let candidates = pricedOffers(view.offers, disk);
        if (query.template_hash_id) {
          const template = await deps.templates?.find(query.template_hash_id);
          if (!template) {
            throw new NotFoundError(`template ${query.template_hash_id} is not in the template catalog`, {
              template_hash_id: query.template_hash_id,
            });
          }
          // templates are Vast.ai's: the offers that meet the template's CUDA, VRAM and other host requirements
          candidates = candidates.filter((o) => o.provider === 'vastai' && templateCompatibility(template, o).compatible);
        }
        const model = valueSort(req.query);
        if (model !== undefined) {
          // every match ranked by what its GPU type's results predict; offers nothing predicts follow, cheapest first
          const { offers: matches, total } = queryOffers(candidates, { ...query, offset: 0, limit: Number.MAX_SAFE_INTEGER });
          const predictor = new BenchmarkPredictor((await deps.benchmarks?.forModel(model)) ?? []);
          const page = rankByValue(matches, predictor).slice(query.offset, query.offset + query.limit);
          return json(200, {
            offers: page.map(({ offer, prediction }) => ({ ...toApiOffer(offer, disk), ...(prediction ? { prediction } : {}) })),
            count: page.length,
            total,
            priced_for_disk_gb: disk,
            providers: view.providers,
            sorted_by: predictor.empty ? 'price' : 'value',
          });
        }
        const { offers, total } = queryOffers(candidates, query);
        return json(200, {
          offers: offers.map((o) => toApiOffer(o, disk)),
          count: offers.length,
          total,
          priced_for_disk_gb: disk,
          providers: view.providers,
        });
      },
    },
  ];
}

export const makeHandler = (deps: InventoryApiDeps) => httpHandler(makeRoutes(deps));
