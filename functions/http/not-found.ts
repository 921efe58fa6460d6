// The $default route: a JSON 404 for any path or method no other route serves.
import { NotFoundError } from '../../shared/domain/errors.ts';
import { httpHandler, type RouteHandler } from '../../shared/http/http-handler.ts';
import { sanitizeEcho } from '../../shared/observability/redact.ts';

export const route: RouteHandler = async (req) => {
  throw new NotFoundError(`no route for ${sanitizeEcho(req.method, 16)} ${sanitizeEcho(req.path)}`);
};

export const handler = httpHandler(route);
