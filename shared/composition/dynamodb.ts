// The DynamoDB document client, once per process (DYNAMODB_ENDPOINT points it at DynamoDB Local).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../adapters/dynamodb/client.ts';
import { atEndpoint, localEndpoint } from './endpoints.ts';

let shared: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  shared ??= dynamoDocumentClient(localEndpoint('DYNAMODB_ENDPOINT', 'local'));
  return shared;
}

/** A client of its own, at `endpoint` when given (tools, tests and the local runtime reach DynamoDB Local so). */
export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  return dynamoDocumentClient(atEndpoint(endpoint, 'local'));
}
