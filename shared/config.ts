// Typed access to the environment. A deployed function reads its settings once at cold start and fails right
// there with a clear message when something is missing, instead of misbehaving later.
import { ConfigError } from './domain/errors.ts';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`missing required environment variable ${name}`, { variable: name });
  }
  return value.trim();
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function numberEnv(name: string, fallback: number, { min = 0 }: { min?: number } = {}): number {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new ConfigError(`${name} must be a number ≥ ${min}, got "${raw}"`, { variable: name });
  }
  return value;
}

/** true when running inside AWS Lambda (not the local runtime, not a test) */
export function isDeployed(): boolean {
  return optionalEnv('AWS_LAMBDA_FUNCTION_NAME') !== undefined && optionalEnv('GPU_SHOPPER_LOCAL') === undefined;
}

export const appVersion = (): string => optionalEnv('APP_VERSION') ?? 'dev';

const DEPLOYMENT_ID = /^[a-z0-9][a-z0-9-]{2,23}$/;

/**
 * This deployment's mark on every instance label. Required: without it the reconciler could not tell this
 * deployment's instances from anyone else's, so a function without it refuses to start.
 */
export function deploymentId(): string {
  const id = requireEnv('DEPLOYMENT_ID');
  if (!DEPLOYMENT_ID.test(id)) {
    throw new ConfigError(`DEPLOYMENT_ID "${id}" must match ${DEPLOYMENT_ID} (it is written into provider labels)`, {
      variable: 'DEPLOYMENT_ID',
    });
  }
  return id;
}
