// Lambda entry point: shared/http/routes/openapi.ts wired for production (the app model names this file).
import { appVersion } from '../../shared/composition/app-version.ts';
import { makeHandler } from '../../shared/http/routes/openapi.ts';

export const handler = makeHandler({ version: appVersion() });
