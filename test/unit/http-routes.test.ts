// Every HTTP function routes with @middy/http-router: what API Gateway sends it reaches its route, and a method or
// path it does not serve (a wiring mistake: API Gateway sends those to $default) answers the $default route's JSON
// 404 with an error_type — never a 500, as the old routeKey tables did.
import { describe, expect, it } from 'vitest';
import { functions, routes } from '../../shared/app-model.ts';
import type { Route } from '../../shared/http/http-handler.ts';
import { callHandler } from '../support/http.ts';

/**
 * the functions that serve routes, by id: the module of their routes (functions/http/<name>.ts, the entry the app
 * model names, wires shared/http/routes/<name>.ts for production) and the routes the app model gives them
 */
const httpFunctions = functions
  .filter((f) => routes.some((r) => r.functionId === f.id))
  .map((f) => ({ id: f.id, module: routesModule(f.entry), served: routes.filter((r) => r.functionId === f.id) }));

function routesModule(entry: string): string {
  if (!/^functions\/http\/[a-z-]+\.ts$/.test(entry)) throw new Error(`${entry}: an HTTP function's entry is functions/http/<name>.ts`);
  return entry.replace(/^functions\/http\//, 'shared/http/routes/');
}

// Built without deps: answering a route no function serves must not touch them.
// biome-ignore lint/suspicious/noExplicitAny: any middy-wrapped handler
const load = async (module: string): Promise<(event: any, context: any) => Promise<any>> =>
  ((await import(/* @vite-ignore */ `../../${module}`)) as { makeHandler: (deps: never) => never }).makeHandler({} as never);

describe.each(httpFunctions)('$id', ({ module, served }) => {
  it('answers an unknown path with a JSON 404 and an error_type', async () => {
    const handler = await load(module);
    const res = await callHandler(handler, { path: `${served[0]!.path.replace(/\{\w+\}/g, 'x')}/no/such/route` });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toMatchObject({ error_type: 'not_found', error: expect.stringContaining('no route for GET') });
    expect(res.body['request_id']).toEqual(expect.any(String));
  });

  it('answers a method it does not serve on its own path with the same 404', async () => {
    const handler = await load(module);
    const path = served[0]!.path.replace(/\{\w+\}/g, 'x');
    const res = await callHandler(handler, { method: 'PATCH', path, routePath: served[0]!.path });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_type: 'not_found', error: `no route for PATCH ${path}` });
  });
});

describe('the $default route (NotFoundApi)', () => {
  it('answers any method and path with the JSON 404 every function gives', async () => {
    const { makeHandler } = await import('../../shared/http/routes/not-found.ts');
    const handler = makeHandler();
    const res = await callHandler(handler, { method: 'DELETE', path: '/api/v2/nothing', routePath: '$default' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'no route for DELETE /api/v2/nothing', error_type: 'not_found' });
  });
});

describe('each function declares exactly the routes the app model gives it', () => {
  it.each(httpFunctions)('$id', async ({ module, served }) => {
    const mod = (await import(/* @vite-ignore */ `../../${module}`)) as Record<string, unknown>;
    const makeRoutes = mod['makeRoutes'] as ((deps: never) => Route[]) | undefined;
    // ApiDocs takes the document, the others their deps: neither is called by declaring routes
    const declared = makeRoutes?.({} as never).map((r) => `${r.method} ${r.path}`);
    expect(declared?.sort()).toEqual(served.map((r) => `${r.method} ${r.path}`).sort());
  });
});
