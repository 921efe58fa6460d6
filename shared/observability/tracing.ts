// One Powertools Tracer per process: X-Ray segments for each handler invocation, its AWS SDK calls (DynamoDB, Step
// Functions, KMS, Secrets Manager, SNS) and its outgoing HTTP requests (fetch, as the provider adapters use it), so
// one session can be followed API → Lambda → Step Functions → Lambda → DynamoDB / provider in X-Ray.
//
// Outside Lambda (the local runtime, tests) Powertools turns itself off: it traces only where AWS_EXECUTION_ENV is
// set, and never with POWERTOOLS_TRACE_ENABLED=false; every call below is then a no-op and needs no X-Ray daemon.
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import { config } from '../config.ts';

const tracer = new Tracer({ serviceName: config().get('POWERTOOLS_SERVICE_NAME') });

/**
 * The handler's segment, without its response as metadata: answers carry session private keys (POST /sessions)
 * and API key secrets (POST /keys), which must not end up in X-Ray.
 */
export const traceHandler = (): MiddlewareObj => captureLambdaHandler(tracer, { captureResponse: false });

/** An AWS SDK v3 client whose calls appear as subsegments (the same client, untouched, when tracing is off). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
