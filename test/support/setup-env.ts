// Defaults every handler module expects at import, as a deployed function would have them.
import { inject } from 'vitest';

process.env['DYNAMODB_ENDPOINT'] ??= inject('dynamoDbEndpoint');
process.env['AWS_REGION'] ??= 'us-east-1';
process.env['TABLE_NAME'] ??= `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
process.env['DEPLOYMENT_ID'] ??= 'test-deployment';
process.env['GPU_SHOPPER_LOCAL'] ??= '1';
