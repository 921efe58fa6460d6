// The $default route: a JSON 404 for any path or method no other route serves. A router without routes, so its
// answer is the one every HTTP function gives for a route it does not serve.
import { httpHandler, type Route } from '../http-handler.ts';

export const makeRoutes = (): Route[] => [];

export const makeHandler = () => httpHandler(makeRoutes());
