// Authorization rules the route handlers share. Authentication itself is the Lambda authorizer's job (API Gateway
// runs it before any route marked auth); the check here is defence in depth for a route wired without it.
import { routes } from '../app-model.ts';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import { config, isDeployed } from '../config.ts';
import type { Caller } from './request.ts';

export type AuthMode = 'api-key' | 'none';

/** AUTH_MODE: `api-key` in a deployed stack unless set, `none` locally unless set. */
export function authMode(): AuthMode {
  // the schema refuses anything else with a ConfigError naming AUTH_MODE
  return config().get('AUTH_MODE') ?? (isDeployed() ? 'api-key' : 'none');
}

const PROTECTED = new Set(routes.filter((r) => r.auth).map((r) => `${r.method} ${r.path}`));

/** With API keys on, a protected route must have been reached through the authorizer with a usable principal. */
export function assertAuthenticated(routeKey: string, caller: Caller, mode: AuthMode = authMode()): void {
  if (mode !== 'api-key' || !PROTECTED.has(routeKey)) return;
  if (!caller.keyId || (!caller.admin && !caller.consumerId)) throw new UnauthorizedError('an API key is required');
}

/** Operator-only actions: an admin key, or no key at all where auth is off (the local runtime on 127.0.0.1). */
export function requireAdmin(caller: Caller, what: string): void {
  if ((caller.keyId || caller.consumerId) && !caller.admin) throw new ForbiddenError(`only an admin key may ${what}`);
}
