// Public AWS list prices, US East (N. Virginia), on-demand, no free tier applied. Rates as published on the pages
// named below as of 2025 (DynamoDB on-demand after its November 2024 reduction); checked on 2026-11-28 against
// secondary sources quoting them in 2025–2026 (the AWS pages themselves were not reachable from this machine).
// Re-check before relying on a figure: a change here changes every cost the bench reports.

interface Price {
  usd: number;
  per: string;
  source: string;
}

export const PRICES_CHECKED = '2026-11-28';

export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'GB-second, arm64 (first 7.5 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request ($0.20 per million)', source: 'https://aws.amazon.com/lambda/pricing/' },
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    per: 'state transition, Standard workflows ($0.025 per 1,000; retries count)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  dynamoWriteRequestUnit: {
    usd: 0.625 / 1e6,
    per: 'write request unit, on-demand ($0.625 per million)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadRequestUnit: {
    usd: 0.125 / 1e6,
    per: 'read request unit, on-demand ($0.125 per million)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoStorageGbMonth: { usd: 0.25, per: 'GB-month of table storage', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamoPitrGbMonth: {
    usd: 0.2,
    per: 'GB-month of point-in-time recovery (continuous backups)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    per: 'HTTP API request ($1.00 per million, first 300 million)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  alarmMetricMonth: {
    usd: 0.1,
    per: 'standard-resolution alarm metric per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  customMetricMonth: {
    usd: 0.3,
    per: 'custom metric (each name × dimension values) per month, prorated by the hours it is emitted',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  dashboardMonth: { usd: 3.0, per: 'dashboard per month (first 3 free)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  logsIngestionGb: { usd: 0.5, per: 'GB of CloudWatch Logs ingested (standard class)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  logsStorageGbMonth: { usd: 0.03, per: 'GB-month of log storage', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  scheduledRuleEvent: {
    usd: 0,
    per: 'event of an EventBridge scheduled rule (AWS-generated events are free)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  secretMonth: { usd: 0.4, per: 'Secrets Manager secret per month', source: 'https://aws.amazon.com/secrets-manager/pricing/' },
  secretApiCall: { usd: 0.05 / 10_000, per: 'Secrets Manager API call', source: 'https://aws.amazon.com/secrets-manager/pricing/' },
  kmsKeyMonth: {
    usd: 1.0,
    per: 'customer managed KMS key per month (rotation adds $1 for each of the first two rotations)',
    source: 'https://aws.amazon.com/kms/pricing/',
  },
  kmsRequest: { usd: 0.03 / 10_000, per: 'KMS symmetric request', source: 'https://aws.amazon.com/kms/pricing/' },
  xrayTrace: { usd: 5.0 / 1e6, per: 'X-Ray trace recorded ($5.00 per million)', source: 'https://aws.amazon.com/xray/pricing/' },
} satisfies Record<string, Price>;

/** Hours in a billing month, as AWS prices monthly items. */
export const HOURS_PER_MONTH = 730;

/** Bytes Lambda itself writes per invocation to CloudWatch Logs (START, END and REPORT lines, with an X-Ray trace id). */
export const LAMBDA_PLATFORM_LOG_BYTES = 350;
/** One access-log line of the HTTP API stage (JSON, infra/stack.ts format) */
export const API_ACCESS_LOG_BYTES = 260;
/** Envelope of a Step Functions log event (execution ARN, ids, timestamps) around the history event itself */
export const SFN_LOG_ENVELOPE_BYTES = 250;
