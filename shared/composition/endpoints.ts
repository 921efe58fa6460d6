// Where the AWS clients point: the real service (no endpoint), or a local one the local runtime serves
// (DYNAMODB_ENDPOINT, SFN_ENDPOINT, SQS_ENDPOINT, EVENTS_ENDPOINT) with AWS_REGION or the client's own default.
import { config, type Variable } from '../config.ts';

interface LocalEndpoint {
  endpoint: string;
  region: string;
}

type EndpointVariable = Extract<Variable, 'DYNAMODB_ENDPOINT' | 'SFN_ENDPOINT' | 'SQS_ENDPOINT' | 'EVENTS_ENDPOINT'>;

export function localEndpoint(name: EndpointVariable, defaultRegion: string): LocalEndpoint | undefined {
  return atEndpoint(config().get(name), defaultRegion);
}

export function atEndpoint(endpoint: string | undefined, defaultRegion: string): LocalEndpoint | undefined {
  return endpoint ? { endpoint, region: config().get('AWS_REGION') ?? defaultRegion } : undefined;
}
