// The Lambda context object the service hands a handler, built the same way for an in-process invocation and for
// one inside an execution environment (a worker thread), so handlers cannot tell the two apart.
import type { Context } from 'aws-lambda';

/** What crosses into an environment for one invocation: plain data, the context is rebuilt on the other side. */
export interface InvocationMeta {
  functionId: string;
  memoryMb: number;
  awsRequestId: string;
  /** epoch ms when Lambda would stop the invocation */
  deadline: number;
}

export function lambdaContext(meta: InvocationMeta): Context {
  const { functionId } = meta;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: functionId,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionId}`,
    memoryLimitInMB: String(meta.memoryMb),
    awsRequestId: meta.awsRequestId,
    logGroupName: `/aws/lambda/${functionId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, meta.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
