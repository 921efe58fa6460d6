// Lambda entry point: shared/http/routes/sessions.ts wired for production (the app model names this file).
import { sessionsApiDeps } from '../../shared/composition/sessions-api.ts';
import { makeHandler } from '../../shared/http/routes/sessions.ts';

export const handler = makeHandler(sessionsApiDeps());
