// The deployed broker, built from the app model (shared/app-model.ts): one table, the functions, the HTTP API and
// its routes, the state machine(s) from statemachines/*.asl.json, and the schedules.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  apiAuthorizer,
  consumerEvents as consumerEventsSpec,
  defaultRoute,
  type FunctionSpec,
  functionIdFromResource,
  functions,
  routes,
  schedules,
  stateMachines,
  table as tableSpec,
} from '../shared/app-model.ts';
import { PROVIDERS } from '../shared/domain/offer.ts';
import { INVENTORY_METRICS, PROVIDER_DIMENSION } from '../shared/observability/inventory-metrics.ts';
import { METRIC } from '../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../shared/observability/powertools.ts';
import { ConsumerEvents } from './constructs/consumer-events.ts';
import { OperationsAlarms, serviceMetric } from './constructs/operations-alarms.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { PROJECT_ROOT, ServiceFunction } from './constructs/service-function.ts';
import { acknowledge, acknowledgeWildcard, arnRef } from './nag.ts';
import { readSettings, type StackSettings } from './settings.ts';

export class GpuShopperStack extends Stack {
  readonly settings: StackSettings;
  readonly table: dynamodb.Table;
  readonly functions = new Map<string, ServiceFunction>();
  readonly stateMachines = new Map<string, sfn.StateMachine>();
  readonly api: apigw.HttpApi;
  /** the API-key authorizer on every route marked auth; undefined when authMode is none */
  readonly authorizer?: HttpLambdaAuthorizer;
  readonly sshKeyCipher: kms.Key;
  readonly providerCredentials: secrets.Secret;
  readonly budgetAlerts: sns.Topic;
  /** every alarm of the stack, for whoever wires notifications to them */
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly operations: OperationsAlarms;
  readonly dashboard: OperationsDashboard;
  /** the consumer-event bus, its rule, the webhook delivery queue and DLQ (issue 18) */
  readonly consumerEvents: ConsumerEvents;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readSettings(this.node, this.stackName);
    this.settings = settings;
    const logRetention = retentionOf(settings.logRetentionDays);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableSpec.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSpec.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableSpec.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // sessions, costs and API keys: neither a stack deletion nor a console click may drop them
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableSpec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      });
    }

    this.sshKeyCipher = new kms.Key(this, 'SshKeyCipher', {
      description: 'Encrypts session SSH private keys at rest, and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // budget alerts (80 % / 100 % of a consumer's month) go to whoever owns the money, not to the operators' pager
    this.budgetAlerts = new sns.Topic(this, 'BudgetAlerts', {
      masterKey: this.sshKeyCipher,
      enforceSSL: true,
      displayName: 'GPU Shopper budget alerts',
    });
    if (settings.budgetAlertEmail) this.budgetAlerts.addSubscription(new subscriptions.EmailSubscription(settings.budgetAlertEmail));
    this.providerCredentials = new secrets.Secret(this, 'ProviderCredentials', {
      description: 'Provider API credentials as JSON: {"VASTAI_API_KEY": "...", "TENSORDOCK_API_TOKEN": "..."}',
      secretObjectValue: {},
      // the operators typed these keys in at the providers' sites: a stack deletion must not lose them
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.providerCredentials,
      'AwsSolutions-SMG4',
      'Third-party marketplace API keys cannot be rotated by a Lambda; operators rotate them at the provider.',
    );

    const commonEnv: Record<string, string> = {
      DEPLOYMENT_ID: settings.deploymentId,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      APP_VERSION: readVersion(),
      HARD_MAX_HOURS: String(settings.hardMaxHours),
      ORPHAN_GRACE_SECONDS: String(settings.orphanGraceSeconds),
      AUTH_MODE: settings.authMode,
      INVENTORY_MAX_AGE_SECONDS: String(settings.inventoryMaxAgeSeconds),
    };

    // Functions first (the state machines substitute their ARNs), then state machines, then the grants that need
    // both, so CloudFormation sees no cycle.
    for (const spec of functions) {
      this.functions.set(
        spec.id,
        new ServiceFunction(this, spec.id, { spec, environment: this.environmentFor(spec, commonEnv), logRetention }),
      );
    }
    for (const spec of stateMachines) this.stateMachines.set(spec.id, this.buildStateMachine(spec.id, logRetention));
    for (const spec of functions) this.grantAccess(spec);

    if (settings.authMode === 'api-key') {
      this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.fn(apiAuthorizer.functionId).fn, {
        authorizerName: 'api-key',
        identitySource: [`$request.header.${apiAuthorizer.identityHeader}`],
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        resultsCacheTtl: Duration.seconds(settings.authCacheSeconds),
      });
    }
    this.api = this.buildApi(logRetention, settings);
    this.buildSchedules(settings);
    this.consumerEvents = this.buildConsumerEvents();
    this.buildInventoryAlarms(settings);
    const apiFunctionIds = new Set([...routes.map((r) => r.functionId), defaultRoute.functionId]);
    this.operations = new OperationsAlarms(this, 'Alarms', {
      // one customer key for the stack (a key costs $1 a month): session keys and the alarm topic
      key: this.sshKeyCipher,
      stateMachines: this.stateMachines,
      // (the authorizer "fails" by design for every refused key — how API Gateway learns to answer 401 — so its own
      // AuthorizerErrors metric, not its Lambda errors, covers real failures)
      scheduledFunctions: new Map(schedules.map((s) => [s.functionId, this.fn(s.functionId).fn])),
      apiFunctions: new Map([...apiFunctionIds].map((fid) => [fid, this.fn(fid).fn])),
      api: this.api,
      alarmEmail: settings.alarmEmail,
      alarmTopicArn: settings.alarmTopicArn,
      teardownStuckSeconds: 900,
      logRetention,
    });
    this.alarms.push(...this.operations.alarms);
    this.alarms.push(
      new cloudwatch.Alarm(this, 'AuthorizerErrors', {
        alarmDescription: 'The API-key authorizer could not check keys (storage failing): callers get 500s.',
        metric: serviceMetric(METRIC.AuthorizerErrors, cloudwatch.Stats.SUM),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.operations.notify(this.alarms);

    // last: it shows every alarm made above
    this.dashboard = new OperationsDashboard(this, 'Operations', {
      api: this.api,
      stateMachines: this.stateMachines,
      functions: this.functions,
      taskFunctionIds: functions.filter((f) => f.entry.startsWith('functions/tasks/')).map((f) => f.id),
      alarms: this.alarms,
      inventoryStaleAlarmSeconds: settings.inventoryStaleAlarmSeconds,
      webhookQueues: { deliveries: this.consumerEvents.queue, deadLetters: this.consumerEvents.deadLetters },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'DeploymentId', { value: settings.deploymentId });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'for npm run ops -- keys … --table' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn });
    new CfnOutput(this, 'BudgetAlertTopicArn', { value: this.budgetAlerts.topicArn });
    new CfnOutput(this, 'ProviderCredentialsSecret', { value: this.providerCredentials.secretName });
  }

  fn(id: string): ServiceFunction {
    const f = this.functions.get(id);
    if (!f) throw new Error(`no function ${id}`);
    return f;
  }

  private environmentFor(spec: FunctionSpec, common: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = { ...common };
    if (spec.access.table) env['TABLE_NAME'] = this.table.tableName;
    if (spec.access.secrets) env['SSH_KEY_KMS_KEY_ID'] = this.sshKeyCipher.keyArn;
    if (spec.access.providers) env['PROVIDER_SECRET_ARN'] = this.providerCredentials.secretArn;
    if (spec.access.budgetAlerts) env['BUDGET_ALERT_TOPIC_ARN'] = this.budgetAlerts.topicArn;
    return env;
  }

  private grantAccess(spec: FunctionSpec): void {
    const { fn } = this.fn(spec.id);
    const { access } = spec;
    // lookup: one GetItem per request and nothing else (the authorizer, reachable by anyone on the internet)
    if (access.table === 'lookup') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.table.tableArn] }));
    }
    if (access.table === 'read') this.table.grantReadData(fn);
    if (access.table === 'write') this.table.grantReadWriteData(fn);
    if (access.table === 'read' || access.table === 'write') {
      acknowledgeWildcard(fn.role!, `${arnRef(this.table)}/index/*`, "Queries use this table's own secondary indexes.");
    }
    // exactly what the cipher calls, not the GenerateDataKey*/ReEncrypt* family grantEncryptDecrypt adds
    if (access.secrets) this.sshKeyCipher.grant(fn, 'kms:Encrypt', 'kms:Decrypt');
    if (access.providers) this.providerCredentials.grantRead(fn);
    if (access.budgetAlerts) {
      // not grantPublish: on an encrypted topic it adds kms:GenerateDataKey*, more than publishing needs
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.budgetAlerts.topicArn] }));
      this.sshKeyCipher.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    }
    for (const machineId of access.stateMachines ?? []) {
      const machine = this.stateMachines.get(machineId)!;
      const machineSpec = stateMachines.find((m) => m.id === machineId)!;
      fn.addEnvironment(machineSpec.arnEnv, machine.stateMachineArn);
      // exactly the three calls the Workflows adapter makes (grantRead would add account-wide List* actions)
      machine.grantStartExecution(fn);
      machine.grantExecution(fn, 'states:DescribeExecution', 'states:StopExecution');
      acknowledgeWildcard(
        fn.role!,
        executionArnFinding(machine),
        `Executions of ${machineId} are named per session at run time; the wildcard covers only that state machine's executions.`,
      );
    }
  }

  private buildConsumerEvents(): ConsumerEvents {
    const dispatcher = functions.find((f) => f.id === consumerEventsSpec.dispatcherFunctionId)!;
    const built = new ConsumerEvents(this, 'ConsumerEvents', {
      dispatcher: this.fn(dispatcher.id).fn,
      dispatcherTimeoutSeconds: dispatcher.timeoutSeconds,
      publishers: functions.filter((f) => f.access.events).map((f) => this.fn(f.id).fn),
    });
    this.alarms.push(built.deadLetterAlarm);
    new CfnOutput(this, 'ConsumerEventBusName', { value: built.bus.eventBusName });
    return built;
  }

  private buildStateMachine(id: string, retention: logs.RetentionDays): sfn.StateMachine {
    const spec = stateMachines.find((m) => m.id === id)!;
    const definition = readFileSync(path.join(PROJECT_ROOT, spec.definitionFile), 'utf8');
    const taskFunctions = new Set<string>();
    for (const m of definition.matchAll(/"Resource"\s*:\s*"([^"]+)"/g)) {
      const functionId = functionIdFromResource(m[1]!);
      if (functionId) taskFunctions.add(functionId);
    }
    // under /aws/vendedlogs/: Step Functions delivers logs through CloudWatch vended logs, whose resource policy
    // grows with every log group outside that prefix until it hits its size limit
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-${id}`,
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = new sfn.StateMachine(this, id, {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        [...taskFunctions].map((fid) => [`${fid}Arn`, this.fn(fid).fn.functionArn]),
      ),
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    for (const fid of taskFunctions) this.fn(fid).fn.grantInvoke(machine);
    acknowledgeWildcard(
      machine.role,
      '*',
      'Log delivery and X-Ray actions of Step Functions support no resource-level permissions.',
    );
    for (const fid of taskFunctions) {
      acknowledgeWildcard(
        machine.role,
        `${arnRef(this.fn(fid).fn)}:*`,
        `Invoking ${fid} includes its versions and aliases (<function arn>:*).`,
      );
    }
    return machine;
  }

  private buildApi(retention: logs.RetentionDays, settings: StackSettings): apigw.HttpApi {
    const api = new apigw.HttpApi(this, 'Api', {
      description: 'GPU Shopper broker API',
      defaultIntegration: new HttpLambdaIntegration('DefaultIntegration', this.fn(defaultRoute.functionId).fn),
      createDefaultStage: true,
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.functionId);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.functionId}Integration`, this.fn(route.functionId).fn);
        integrations.set(route.functionId, integration);
      }
      const added = api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        ...(route.auth && this.authorizer ? { authorizer: this.authorizer } : {}),
      });
      if (!route.auth && this.authorizer) {
        for (const r of added) {
          acknowledge(r, 'AwsSolutions-APIG4', `${route.method} ${route.path} is public by design (app model auth: false).`);
        }
      }
    }
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    const stage = api.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = {
      throttlingBurstLimit: settings.throttleBurstLimit,
      throttlingRateLimit: settings.throttleRateLimit,
    };
    if (this.authorizer) {
      acknowledge(
        api.node.findChild('DefaultRoute'),
        'AwsSolutions-APIG4',
        'The $default route only answers a JSON 404 for unknown paths; it reaches no data.',
      );
    } else {
      acknowledge(api, 'AwsSolutions-APIG4', 'This stack was deployed with -c authMode=none: API keys are off by the operator’s choice.');
    }
    return api;
  }

  /**
   * EventBridge Scheduler, one schedule per app-model schedule: a failed invocation is retried, but never once the
   * next run is due (maximum event age of one period, at least Scheduler's minimum of a minute), and what could not
   * be delivered lands in an encrypted dead-letter queue, which its own alarm watches.
   */
  private buildSchedules(settings: StackSettings): void {
    const periods: Record<string, number> = {
      INVENTORY_REFRESH_SECONDS: settings.inventoryRefreshSeconds,
      EXPIRY_SWEEP_SECONDS: settings.expirySweepSeconds,
      RECONCILE_SECONDS: settings.reconcileSeconds,
    };
    const deadLetters = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(deadLetters, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the schedules.');
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invokes the scheduled functions, dead-letters what it could not deliver',
    });
    for (const spec of schedules) {
      const minutes = schedulePeriodMinutes(periods[spec.periodEnv] ?? spec.defaultPeriodSeconds);
      new scheduler.Schedule(this, `${spec.id}Schedule`, {
        description: spec.description,
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(minutes)),
        target: new schedulerTargets.LambdaInvoke(this.fn(spec.functionId).fn, {
          role,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(minutes),
          deadLetterQueue: deadLetters,
        }),
      });
      acknowledgeWildcard(
        role,
        `${arnRef(this.fn(spec.functionId).fn)}:*`,
        `Invoking ${spec.functionId} includes its versions and aliases (<function arn>:*).`,
      );
    }
    this.alarms.push(
      new cloudwatch.Alarm(this, 'ScheduleDeadLetter', {
        alarmDescription: 'A scheduled run could not be delivered to its function (see the ScheduleDeadLetters queue).',
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * One alarm per provider on the snapshot age the refresh reports (the same namespace, name and dimensions the
   * code emits). A provider that is not configured reports nothing, so missing data is not breaching; a refresh
   * that stops running altogether is caught by its own alarm on the function's invocations instead.
   */
  private buildInventoryAlarms(settings: StackSettings): void {
    const staleSeconds = settings.inventoryStaleAlarmSeconds;
    const periodMinutes = Math.max(5, Math.ceil(settings.inventoryRefreshSeconds / 60));
    for (const provider of PROVIDERS) {
      const metric = new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: INVENTORY_METRICS.snapshotAge,
        dimensionsMap: { service: SERVICE_NAME, [PROVIDER_DIMENSION]: provider },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(periodMinutes),
      });
      this.alarms.push(
        new cloudwatch.Alarm(this, `InventoryStale-${provider}`, {
          alarmDescription: `${provider} inventory snapshot older than ${staleSeconds}s`,
          metric,
          threshold: staleSeconds,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const refresh = schedules.find((s) => s.id === 'InventoryRefresh');
    if (refresh) {
      this.alarms.push(
        new cloudwatch.Alarm(this, 'InventoryRefreshNotRunning', {
          alarmDescription: `the inventory refresh has not run for ${staleSeconds}s`,
          metric: this.fn(refresh.functionId).fn.metricInvocations({
            statistic: cloudwatch.Stats.SUM,
            period: Duration.minutes(Math.max(periodMinutes, Math.ceil(staleSeconds / 60))),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }
  }
}

/** How cdk-nag spells the execution-ARN wildcard that grantExecution produces for a state machine. */
function executionArnFinding(machine: sfn.StateMachine): string {
  const stack = Stack.of(machine);
  const logicalId = stack.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine);
  // cdk-nag prints pseudo parameters as <AWS::…> while they are tokens, and their values once the stack knows them
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return `arn:${part(stack.partition, 'Partition')}:states:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId}"}]}]}:*`;
}

/** Scheduler rates are whole minutes; sub-minute periods exist only in the local runtime. */
export function schedulePeriodMinutes(seconds: number): number {
  return Math.max(1, Math.round(seconds / 60));
}

function readVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function retentionOf(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  const match = allowed.filter((d) => d >= days).sort((a, b) => a - b)[0];
  return (match ?? logs.RetentionDays.ONE_MONTH) as logs.RetentionDays;
}
