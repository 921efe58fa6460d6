// Lambda entry point: shared/http/routes/webhooks.ts wired for production (the app model names this file).
import { webhookApiDeps } from '../../shared/composition/webhooks.ts';
import { makeHandler } from '../../shared/http/routes/webhooks.ts';

export const handler = makeHandler(webhookApiDeps());
