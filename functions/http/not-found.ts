// Lambda entry point: shared/http/routes/not-found.ts wired for production (the app model names this file).
import { makeHandler } from '../../shared/http/routes/not-found.ts';

export const handler = makeHandler();
