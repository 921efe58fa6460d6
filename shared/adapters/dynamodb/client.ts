// The DynamoDB document client, created once per process. DYNAMODB_ENDPOINT points it at DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { optionalEnv } from '../../config.ts';
import { traced } from '../../observability/tracing.ts';

let shared: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  shared ??= createDocumentClient(optionalEnv('DYNAMODB_ENDPOINT'));
  return shared;
}

export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = traced(new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: optionalEnv('AWS_REGION') ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 5,
        }
      : { maxAttempts: 5 },
  ));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
