// What every command gets: the API client (built from --server/--api-key or their environment variables), the output
// (table or JSON), and the option parsers that turn bad input into one clear line before any request is made.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ApiClient } from './api-client.ts';
import { type CliIo, type Format, Output } from './output.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

interface GlobalOptions {
  server?: string;
  apiKey?: string;
  output: Format;
}

export interface Context {
  api: ApiClient;
  out: Output;
  io: CliIo;
  sleep: (ms: number) => Promise<void>;
}

/** Commands take their context from the options of the program and their own. */
export type ContextOf = (cmd: Command) => Context;

export function contextFactory(io: CliIo): ContextOf {
  return (cmd) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const api = new ApiClient({
      baseUrl: g.server ?? io.env['GPU_SHOPPER_URL'] ?? DEFAULT_SERVER,
      apiKey: g.apiKey ?? (io.env['GPU_SHOPPER_API_KEY'] || undefined),
      userAgent: `gpu-shopper-cli/${VERSION}`,
    });
    return {
      api,
      out: new Output(io, g.output),
      io,
      sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  };
}

export function intIn(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function numberIn(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a number from ${min} to ${max}`);
    }
    return n;
  };
}

export function date(raw: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  }
  return raw;
}

/** A path segment the server will see as one segment, whatever the user typed. */
export const segment = (id: string): string => encodeURIComponent(id);
