// The OpenAPI 3.1 document, generated from the app model's routes and the zod schemas in api-spec.ts: request
// schemas as clients send them (zod "input"), answers as the handlers produce them (zod "output").
import * as z from 'zod';
import { apiAuthorizer, type RouteSpec, routes } from '../app-model.ts';
import { apiDocs, ERROR_DESCRIPTIONS, namedSchemas, type RouteDoc } from './api-spec.ts';

type JsonSchema = Record<string, unknown>;
type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};

const SECURITY_SCHEME = 'apiKey';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const uri = (id: string) => `#/components/schemas/${id}`;

/** JSON Schema of a zod schema, without the dialect and id markers (OpenAPI 3.1 sets the dialect). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return rest;
}

function components(): Record<string, JsonSchema> {
  const requests = new Set<z.ZodType>(Object.values(apiDocs).flatMap((d) => (d.body ? [d.body] : [])));
  const out: Record<string, JsonSchema> = {};
  for (const io of ['input', 'output'] as const) {
    const registry = z.registry<{ id?: string }>();
    for (const [name, schema] of Object.entries(namedSchemas)) {
      if (requests.has(schema) === (io === 'input')) registry.add(schema, { id: name });
    }
    const { schemas } = z.toJSONSchema(registry, { io, uri }) as { schemas: Record<string, JsonSchema> };
    for (const [name, schema] of Object.entries(schemas)) {
      const { $schema: _s, $id: _i, ...rest } = schema;
      out[name] = rest;
    }
  }
  return out;
}

const nameOf = new Map<z.ZodType, string>(Object.entries(namedSchemas).map(([name, schema]) => [schema, name]));

function schemaRef(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const name = nameOf.get(schema);
  return name ? ref(name) : jsonSchema(schema, io);
}

function parameters(doc: RouteDoc): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: 'path' | 'query' | 'header', object: z.ZodObject | undefined) => {
    if (!object) return;
    const schema = jsonSchema(object, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const { description, ...rest } = property;
      out.push({
        name,
        in: where,
        required: where === 'path' || (schema.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add('path', doc.path);
  add('query', doc.query);
  add('header', doc.headers);
  return out;
}

function operation(route: RouteSpec, doc: RouteDoc): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(doc.responses)) {
    responses[status] = { description: answer.description, content: { 'application/json': { schema: schemaRef(answer.schema, 'output') } } };
  }
  const errors = new Set(doc.errors);
  if (route.auth) {
    errors.add(401);
    errors.add(429);
  }
  for (const status of [...errors].sort()) {
    const schema =
      status === 401
        ? { anyOf: [ref('GatewayUnauthorized'), ref('Error')] }
        : status === 429
          ? { type: 'object', properties: { message: { type: 'string' } } }
          : ref('Error');
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'error',
      content: { 'application/json': { schema } },
    };
  }
  const params = parameters(doc);
  return {
    operationId: operationId(route),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: route.auth ? [{ [SECURITY_SCHEME]: [] }] : [],
    ...(params.length ? { parameters: params } : {}),
    ...(doc.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaRef(doc.body, 'input') } } } }
      : {}),
    responses,
  };
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .replace(/^\/api\/v1/, '')
    .split(/[/.{}_-]+/)
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

export function openApiDocument(version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const doc = apiDocs[`${route.method} ${route.path}`];
    if (!doc) throw new Error(`api-spec: no documentation for ${route.method} ${route.path}`);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GPU Shopper',
      version,
      description:
        'A broker for commodity GPU rentals. Every error is a JSON object {error, error_type, request_id, …}; ' +
        `routes with a security requirement need "Authorization: Bearer <API key>" (header ${apiAuthorizer.identityHeader}) ` +
        'wherever API keys are on (deployed stacks, or AUTH_MODE=api-key locally).',
    },
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        [SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', bearerFormat: 'gsk_<key id>_<secret>', description: 'an API key' },
      },
    },
  };
}
