// GET /api/v1/inventory and GET /api/v1/inventory/{id}: answered from stored snapshots only, never a provider.
import { inventoryFromEnv } from '../../shared/adapters/dynamodb/inventory-from-env.ts';
import { templatesFromEnv } from '../../shared/composition/templates.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import { DEFAULT_LIMIT, type InventoryQuery, queryOffers } from '../../shared/domain/inventory-query.ts';
import { templateCompatibility } from '../../shared/domain/template.ts';
import { httpHandler, json, type RouteHandler } from '../../shared/http/http-handler.ts';
import { presentParams } from '../../shared/http/query.ts';
import { inventoryQuery } from '../../shared/http/schemas/inventory.ts';
import { validate } from '../../shared/http/validate.ts';
import { sanitizeEcho } from '../../shared/observability/redact.ts';
import type { InventoryService, ServedOffer } from '../../shared/use-cases/inventory-service.ts';
import type { TemplateCatalog } from '../../shared/use-cases/templates/template-catalog.ts';

export function parseInventoryQuery(raw: Record<string, string | undefined>): InventoryQuery {
  const { gpu_count, min_gpu_count, limit, offset, sort, ...rest } = validate(inventoryQuery, presentParams(raw), 'query');
  return {
    ...rest,
    // both spellings are in use; the explicit one wins
    min_gpu_count: min_gpu_count ?? gpu_count,
    limit: limit ?? DEFAULT_LIMIT,
    offset: offset ?? 0,
    sort: sort ?? 'price',
  };
}

export interface InventoryApiDeps {
  inventory: Pick<InventoryService, 'view'>;
  /** the Vast.ai template catalog, for the template_hash_id filter */
  templates?: Pick<TemplateCatalog, 'find'>;
}

/** The wire shape: the offer, plus `region` and a string `availability` that existing clients read. */
function toApiOffer(offer: ServedOffer) {
  return { ...offer, region: offer.location };
}

export function makeRoute(deps: InventoryApiDeps): RouteHandler {
  return async (req) => {
    const id = req.pathParams['id'];
    if (id !== undefined) {
      const offer = (await deps.inventory.view()).offers.find((o) => o.id === id);
      if (!offer) {
        const shown = sanitizeEcho(id);
        throw new NotFoundError(`offer ${shown} is not in current inventory`, { offer_id: shown });
      }
      return json(200, toApiOffer(offer));
    }
    const query = parseInventoryQuery(req.query);
    const view = await deps.inventory.view();
    let candidates = view.offers;
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
    const { offers, total } = queryOffers(candidates, query);
    return json(200, { offers: offers.map(toApiOffer), count: offers.length, total, providers: view.providers });
  };
}

export const makeHandler = (deps: InventoryApiDeps) => httpHandler(makeRoute(deps));

export const handler = makeHandler({ inventory: inventoryFromEnv().service, templates: templatesFromEnv().catalog });
