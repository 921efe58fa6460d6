// Injected API faults, in the shapes each provider really answers with.
import { html502, json, type Reply, text } from './http-kit.ts';
import { pick } from './random.ts';

/** What a marketplace has injected since it started (GET /_sim/faults): chaos runs report it. */
export interface FaultTally {
  rate_limited: number;
  server_errors: number;
  /** creates carried out but answered with a 502 */
  lost_create_responses: number;
}

export const newFaultTally = (): FaultTally => ({ rate_limited: 0, server_errors: 0, lost_create_responses: 0 });

interface FaultConfig {
  rate_limit_probability: number;
  server_error_probability: number;
}

const VAST_429: Reply[] = [
  text(429, 'API requests too frequent: endpoint threshold=4.5'),
  json(429, { detail: 'API requests too frequent endpoint threshold=4.5' }),
  json(429, {
    message:
      'The action could not be performed because there were too many requests by the client.\n\nAPI requests too frequent: endpoint threshold=4.5*1.0\n\n',
    code: '429 Too Many Requests',
  }),
  json(429, { success: false, error: 'rate_limit_exceeded', msg: 'API requests too frequent endpoint threshold=3.0' }),
];

const TENSORDOCK_429: Reply[] = [json(429, { error: 'Rate limit exceeded. Please try again later.' })];

function vastServerError(random: () => number): Reply {
  return pick(random, [
    html502(),
    json(500, { success: false, error: 'server_error', msg: 'Internal Server Error' }),
    text(503, 'Service Temporarily Unavailable'),
  ]);
}

function tensorDockServerError(random: () => number): Reply {
  return pick(random, [html502(), json(500, { error: 'Internal server error' }), text(504, 'Gateway Timeout')]);
}

/** A 429 or 5xx with the configured probabilities, or undefined. */
export function injectedFault(
  provider: 'vastai' | 'tensordock',
  config: FaultConfig,
  random: () => number,
  tally?: FaultTally,
): Reply | undefined {
  if (config.rate_limit_probability > 0 && random() < config.rate_limit_probability) {
    if (tally) tally.rate_limited += 1;
    return pick(random, provider === 'vastai' ? VAST_429 : TENSORDOCK_429);
  }
  if (config.server_error_probability > 0 && random() < config.server_error_probability) {
    if (tally) tally.server_errors += 1;
    return provider === 'vastai' ? vastServerError(random) : tensorDockServerError(random);
  }
  return undefined;
}
