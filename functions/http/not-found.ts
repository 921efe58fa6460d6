// The $default route: a JSON 404 for any path or method no other route serves. A router without routes, so its
// answer is the one every HTTP function gives for a route it does not serve.
import { httpHandler } from '../../shared/http/http-handler.ts';

export const handler = httpHandler([]);
