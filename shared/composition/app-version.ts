// The version /health and the OpenAPI document report (APP_VERSION: the package version, set by the stack and the
// local runtime).
import { config } from '../config.ts';

export const appVersion = (): string => config().get('APP_VERSION');
