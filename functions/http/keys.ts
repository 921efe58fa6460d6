// Lambda entry point: shared/http/routes/keys.ts wired for production (the app model names this file).
import { apiKeyStore } from '../../shared/composition/keys.ts';
import { systemClock } from '../../shared/composition/shared-clients.ts';
import { makeHandler } from '../../shared/http/routes/keys.ts';

export const handler = makeHandler({ keys: apiKeyStore(), clock: systemClock });
