// Lambda entry point: shared/http/routes/watches.ts wired for production (the app model names this file).
import { watchesApiDeps } from '../../shared/composition/watches.ts';
import { makeHandler } from '../../shared/http/routes/watches.ts';

export const handler = makeHandler(watchesApiDeps());
