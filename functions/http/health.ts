// Lambda entry point: shared/http/routes/health.ts wired for production (the app model names this file).
import { healthDeps } from '../../shared/composition/health.ts';
import { makeHandler } from '../../shared/http/routes/health.ts';

export const handler = makeHandler(healthDeps());
