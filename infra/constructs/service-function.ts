// Every Lambda of the app model is built the same way: Node.js 22 on ARM64, ESM bundle made by the local esbuild
// (names kept, because Step Functions routes on error class names), its own log group with retention, and its own
// role whose grants come from the function's declared access.
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../../shared/app-model.ts';
import { LAMBDA_BUNDLE_OPTIONS } from '../bundle-options.ts';
import { acknowledge, acknowledgeWildcard, arnRef } from '../nag.ts';

export const PROJECT_ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');

interface ServiceFunctionProps {
  spec: FunctionSpec;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
}

export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.id}: ${spec.description}`,
    });
    // written out instead of the AWS managed basic-execution policy: only this function's own log group
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      reservedConcurrentExecutions: spec.reservedConcurrency,
      role,
      logGroup: this.logGroup,
      // X-Ray: the Powertools Tracer (shared/observability/tracing.ts) adds the handler and AWS SDK subsegments
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: { format: OutputFormat.ESM, ...LAMBDA_BUNDLE_OPTIONS },
    });
    acknowledge(
      this.fn,
      'AwsSolutions-L1',
      'Pinned to Node.js 22 on purpose: the runtime the bundles target and the local runtime is tested against.',
    );
    acknowledgeWildcard(role, '*', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.');
    acknowledgeWildcard(
      role,
      `${arnRef(this.logGroup)}:log-stream:*`,
      "Lambda names log streams at run time; the wildcard stays inside this function's own log group.",
    );
  }
}
