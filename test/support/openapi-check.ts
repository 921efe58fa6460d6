// Checking real answers against the served OpenAPI document: which route an answer came from, and a small JSON
// Schema (2020-12) validator for the keywords the document uses. Independent of zod on purpose: it checks the
// document a client would read, not the schemas it was generated from.
import { routes } from '../../shared/app-model.ts';

type Schema = Record<string, unknown>;

export interface Answer {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

const compiled = routes.map((r) => ({
  key: `${r.method} ${r.path}`,
  method: r.method,
  pattern: new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
  path: r.path,
}));

/** The app-model route an answer belongs to (undefined: the $default 404). */
export function routeOf(method: string, path: string): { key: string; path: string } | undefined {
  const bare = path.split('?')[0]!;
  return compiled.find((r) => r.method === method && r.pattern.test(bare));
}

/** The schema the document promises for this answer, or undefined when it documents none. */
export function documentedSchema(doc: Schema, answer: Answer): Schema | undefined {
  const route = routeOf(answer.method, answer.path);
  if (!route) return undefined;
  const op = ((doc['paths'] as Schema)[route.path] as Schema | undefined)?.[answer.method.toLowerCase()] as Schema | undefined;
  const response = (op?.['responses'] as Schema | undefined)?.[String(answer.status)] as Schema | undefined;
  return ((response?.['content'] as Schema | undefined)?.['application/json'] as Schema | undefined)?.['schema'] as Schema | undefined;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Every violation of `schema` by `value`, as `<path>: <problem>`; empty when it conforms. */
export function validateJson(doc: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/components/schemas/', '');
    const target = ((doc['components'] as Schema)['schemas'] as Schema)[name] as Schema | undefined;
    if (!target) return [`${at}: unresolvable ${schema['$ref']}`];
    return validateJson(doc, target, value, at);
  }
  const errors: string[] = [];
  const fail = (problem: string) => errors.push(`${at}: ${problem}`);
  if (schema['type'] !== undefined) {
    const types = [schema['type']].flat() as string[];
    if (!types.some((t) => matchesType(value, t))) return [`${at}: expected ${types.join('|')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema['const'])) fail(`expected ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    fail(`not one of ${JSON.stringify(schema['enum'])}`);
  }
  if (Array.isArray(schema['anyOf']) && !schema['anyOf'].some((s) => validateJson(doc, s as Schema, value, at).length === 0)) {
    fail('matches none of anyOf');
  }
  if (Array.isArray(schema['allOf'])) for (const s of schema['allOf']) errors.push(...validateJson(doc, s as Schema, value, at));
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) fail('too short');
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength']) fail('too long');
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) fail(`does not match ${schema['pattern']}`);
    if (schema['format'] === 'date-time' && !DATE_TIME.test(value)) fail('not a date-time');
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) fail(`below ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) fail(`above ${schema['maximum']}`);
    if (typeof schema['exclusiveMinimum'] === 'number' && value <= schema['exclusiveMinimum']) fail(`not above ${schema['exclusiveMinimum']}`);
  }
  if (Array.isArray(value) && schema['items']) {
    value.forEach((item, i) => {
      errors.push(...validateJson(doc, schema['items'] as Schema, item, `${at}[${i}]`));
    });
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const name of (schema['required'] ?? []) as string[]) if (!(name in object)) fail(`missing ${name}`);
    for (const [name, v] of Object.entries(object)) {
      if (properties[name]) errors.push(...validateJson(doc, properties[name], v, `${at}.${name}`));
      else if (schema['additionalProperties'] === false) fail(`unexpected ${name}`);
      else if (schema['additionalProperties'] && typeof schema['additionalProperties'] === 'object') {
        errors.push(...validateJson(doc, schema['additionalProperties'] as Schema, v, `${at}.${name}`));
      }
      if (schema['propertyNames']) errors.push(...validateJson(doc, schema['propertyNames'] as Schema, name, `${at}.<key ${name}>`));
    }
  }
  return errors;
}
