// The local runtime's own settings (HOST, PORT, the LOCAL_FAULT_* knobs), read by `npm start`. What reaches the
// functions is read through shared/config.ts.
import { ConfigError } from '../shared/domain/errors.ts';

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
