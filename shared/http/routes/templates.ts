// Template routes: the Vast.ai template catalog (as the last refresh stored it), one template, and the templates an
// offer can run (its properties against each template's `extra_filters`). Never calls a provider.
import { NotFoundError } from '../../domain/errors.ts';
import { type Template, templateImage, templatePorts } from '../../domain/template.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import type { Answer, catalogInfo as catalogAnswer, templateSummary } from '../schemas/responses.ts';
import { compatibleTemplatesQuery, templatesQuery } from '../schemas/templates.ts';
import { validate } from '../validate.ts';
import { sanitizeEcho } from '../../observability/redact.ts';
import type { InventoryService } from '../../use-cases/inventory-service.ts';
import {
  filterTemplates,
  matchTemplates,
  type TemplateCatalog,
  type TemplateCatalogView,
} from '../../use-cases/templates/template-catalog.ts';

export interface TemplatesApiDeps {
  catalog: Pick<TemplateCatalog, 'view'>;
  inventory: Pick<InventoryService, 'view'>;
}

function summary(t: Template) {
  return {
    hash_id: t.hash_id,
    name: t.name,
    image: templateImage(t),
    recommended: t.recommended,
    ...(t.recommended_disk_space !== undefined ? { recommended_disk_space: t.recommended_disk_space } : {}),
    ...(t.runtype ? { runtype: t.runtype } : {}),
    exposed_ports: templatePorts(t),
    extra_filters: t.extra_filters,
    ...(t.count_created !== undefined ? { count_created: t.count_created } : {}),
  } satisfies Answer<typeof templateSummary>;
}

function detail(t: Template) {
  return {
    ...summary(t),
    ...(t.id !== undefined ? { id: t.id } : {}),
    ...(t.tag ? { tag: t.tag } : {}),
    ...(t.env ? { env: t.env } : {}),
    ...(t.onstart ? { onstart: t.onstart } : {}),
    ...(t.args_str ? { args_str: t.args_str } : {}),
    ...(t.use_ssh !== undefined ? { use_ssh: t.use_ssh } : {}),
    ...(t.ssh_direct !== undefined ? { ssh_direct: t.ssh_direct } : {}),
    ...(t.created_at ? { created_at: t.created_at } : {}),
  };
}

function catalogInfo(view: TemplateCatalogView) {
  return {
    provider: 'vastai' as const,
    status: view.status,
    ...(view.fetched_at ? { fetched_at: view.fetched_at, age_seconds: view.age_seconds } : {}),
    ...(view.error ? { error: view.error } : {}),
  } satisfies Answer<typeof catalogAnswer>;
}

export function makeRoutes(deps: TemplatesApiDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/api/v1/templates',
      handler: async (req) => {
        const filter = validate(templatesQuery, presentParams(req.query), 'query');
        const view = await deps.catalog.view();
        const templates = filterTemplates(view.templates, filter).map(summary);
        return json(200, { templates, count: templates.length, catalog: catalogInfo(view) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/templates/{hash_id}',
      handler: async (req) => {
        const hashId = (req.pathParams['hash_id'] ?? '').trim().toLowerCase();
        const view = await deps.catalog.view();
        const template = view.templates.find((t) => t.hash_id.toLowerCase() === hashId);
        if (!template) {
          const shown = sanitizeEcho(hashId, 80);
          throw new NotFoundError(`template ${shown} is not in the template catalog`, { template_hash_id: shown });
        }
        return json(200, { ...detail(template), catalog: catalogInfo(view) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/inventory/{id}/compatible-templates',
      handler: async (req) => {
        const query = validate(compatibleTemplatesQuery, presentParams(req.query), 'query');
        const id = req.pathParams['id'] ?? '';
        const offer = (await deps.inventory.view()).offers.find((o) => o.id === id);
        if (!offer) {
          const shown = sanitizeEcho(id);
          throw new NotFoundError(`offer ${shown} is not in current inventory`, { offer_id: shown });
        }
        if (offer.provider !== 'vastai') {
          return json(200, {
            offer_id: offer.id,
            provider: offer.provider,
            templates: [],
            count: 0,
            note: 'templates are a Vast.ai feature; this offer is not on Vast.ai',
          });
        }
        const view = await deps.catalog.view();
        const matches = matchTemplates(view.templates, offer);
        const compatible = matches.filter((m) => m.compatible).map((m) => summary(m.template));
        const incompatible = matches.filter((m) => !m.compatible);
        return json(200, {
          offer_id: offer.id,
          provider: offer.provider,
          templates: compatible,
          count: compatible.length,
          incompatible_count: incompatible.length,
          ...(query.include_incompatible
            ? {
                incompatible: incompatible.map((m) => ({
                  hash_id: m.template.hash_id,
                  name: m.template.name,
                  mismatches: m.mismatches,
                })),
              }
            : {}),
          catalog: catalogInfo(view),
        });
      },
    },
  ];

  return routes;
}

export const makeHandler = (deps: TemplatesApiDeps) => httpHandler(makeRoutes(deps));
