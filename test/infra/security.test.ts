// The deployed stack's security: the API-key authorizer on exactly the routes marked auth, its cache TTL and the
// stage throttling as context values, the authorizer's single IAM action, encryption at rest, no secret in the
// template, and the alarms around the authorizer.
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { apiAuthorizer, routes } from '../../shared/app-model.ts';

type Resource = { Properties: Record<string, unknown> };

function build(context: Record<string, unknown> = {}, nag = false) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com', ...context } });
  const stack = new GpuShopperStack(app, 'Sec');
  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  }
  return { stack, template: Template.fromStack(stack) };
}

function routesByKey(template: Template): Map<string, Record<string, unknown>> {
  return new Map(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => {
      const props = (r as Resource).Properties;
      return [String(props['RouteKey']), props];
    }),
  );
}

describe('API keys in the deployed stack (default: authMode api-key)', () => {
  let template: Template;
  let stack: GpuShopperStack;

  beforeAll(() => {
    ({ template, stack } = build());
  });

  it('has one Lambda authorizer: payload 2.0, simple responses, identity = the Authorization header, cached 60 s', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: [`$request.header.${apiAuthorizer.identityHeader}`],
      AuthorizerResultTtlInSeconds: 60,
    });
  });

  it('puts it on every route marked auth in the app model, and on no other', () => {
    const byKey = routesByKey(template);
    for (const route of routes) {
      const props = byKey.get(`${route.method} ${route.path}`)!;
      expect(props, `${route.method} ${route.path}`).toBeDefined();
      if (route.auth) {
        expect(props['AuthorizationType'], route.path).toBe('CUSTOM');
        expect(props['AuthorizerId'], route.path).toBeDefined();
      } else {
        expect(props['AuthorizationType'] ?? 'NONE', route.path).toBe('NONE');
      }
    }
    expect(byKey.get('$default')!['AuthorizationType'] ?? 'NONE').toBe('NONE');
    expect(routes.filter((r) => !r.auth).map((r) => r.path)).toEqual(['/health', '/ready', '/api/v1/openapi.json']);
  });

  it('lets the authorizer function read one item of the table and nothing else of it', () => {
    const role = stack.node.findChild(apiAuthorizer.functionId).node.findChild('Role');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify((p as Resource).Properties['Roles']).includes(stack.getLogicalId(role.node.defaultChild as never)),
    );
    const actions = policies.flatMap((p) =>
      ((p as Resource).Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()),
    );
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions.filter((a) => a.startsWith('kms:') || a.startsWith('secretsmanager:') || a.startsWith('states:'))).toEqual([]);
  });

  it('throttles the stage (50 rps, burst 100 by default)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('encrypts at rest: the table, the session-key KMS key (rotated), the provider secret', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts session SSH private keys at rest, and the alarm topic',
      EnableKeyRotation: true,
    });
    const secret = Object.values(template.findResources('AWS::SecretsManager::Secret'))[0] as Resource;
    // Secrets Manager always encrypts (aws/secretsmanager unless a key is named); the template holds no credential
    expect(secret.Properties['SecretString']).toBe('{}');
  });

  it('puts no credential in any function environment', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = ((fn as Resource).Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables).filter((k) => /API_KEY|API_TOKEN|SECRET_KEY|PASSWORD/.test(k))).toEqual([]);
      expect(variables['AUTH_MODE']).toBe('api-key');
    }
  });

  it('alarms on authorizer failures, and leaves its by-design "Unauthorized" errors out of every other alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuthorizerErrors', Threshold: 1 });
    const authorizerLogicalId = stack.getLogicalId(stack.fn(apiAuthorizer.functionId).fn.node.defaultChild as never);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(5);
    for (const alarm of alarms) expect(JSON.stringify(alarm)).not.toContain(authorizerLogicalId);
  });

  it('outputs the table name for `npm run ops -- keys create --admin --table …`', () => {
    template.hasOutput('TableName', { Value: Match.anyValue() });
  });
});

describe('context values', () => {
  it('authCacheSeconds, throttleRateLimit and throttleBurstLimit come from context and are checked', () => {
    const { template } = build({ authCacheSeconds: 0, throttleRateLimit: 5, throttleBurstLimit: 10 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    expect(() => build({ authCacheSeconds: 7200 })).toThrow(/authCacheSeconds/);
    expect(() => build({ throttleBurstLimit: 0 })).toThrow(/throttleBurstLimit/);
  });

  it('refuses authMode=none unless -c allowPublicApi=true says a public API is meant', () => {
    expect(() => build({ authMode: 'none' })).toThrow(/authMode=none .*-c allowPublicApi=true/);
    expect(() => build({ authMode: 'none', allowPublicApi: 'false' })).toThrow(/allowPublicApi/);
    expect(() => build({ authMode: 'none', allowPublicApi: 'true' })).not.toThrow();
  });

  it('authMode=none with allowPublicApi deploys no authorizer, says so to every function, and still passes cdk-nag with a reason', () => {
    const { template } = build({ authMode: 'none', allowPublicApi: true }, true);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    for (const props of routesByKey(template).values()) expect(props['AuthorizationType'] ?? 'NONE').toBe('NONE');
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(((fn as Resource).Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['AUTH_MODE']).toBe('none');
    }
  });
});
