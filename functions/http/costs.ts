// Lambda entry point: shared/http/routes/costs.ts wired for production (the app model names this file).
import { costsApiDeps } from '../../shared/composition/sessions.ts';
import { makeHandler } from '../../shared/http/routes/costs.ts';

export const handler = makeHandler(costsApiDeps());
