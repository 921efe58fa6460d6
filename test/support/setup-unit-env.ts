// The unit tier's defaults: as a deployed function would have them, but no DynamoDB Local. Its endpoint points at a
// closed port, so a unit test that reaches for a table fails at once instead of waiting (or reaching AWS).
process.env['DYNAMODB_ENDPOINT'] ??= 'http://127.0.0.1:9';
process.env['AWS_REGION'] ??= 'us-east-1';
process.env['TABLE_NAME'] ??= `unit-${process.pid}`;
process.env['DEPLOYMENT_ID'] ??= 'test-deployment';
process.env['GPU_SHOPPER_LOCAL'] ??= '1';
