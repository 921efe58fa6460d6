import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GpuShopperStack } from './stack.ts';

const app = new App();
new GpuShopperStack(app, app.node.tryGetContext('stackName') ?? 'GpuShopper', {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
