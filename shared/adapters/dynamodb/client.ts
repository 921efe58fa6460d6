// The DynamoDB document client. Given a local endpoint (DynamoDB Local) it uses placeholder credentials; the
// composition root (shared/composition/dynamodb.ts) decides which, and keeps one client per process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../../observability/tracing.ts';

interface LocalEndpoint {
  endpoint: string;
  region: string;
}

export function dynamoDocumentClient(local?: LocalEndpoint): DynamoDBDocumentClient {
  const client = traced(new DynamoDBClient(
    local
      ? {
          endpoint: local.endpoint,
          region: local.region,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 5,
        }
      : { maxAttempts: 5 },
  ));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
