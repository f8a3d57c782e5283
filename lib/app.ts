import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { SluiceConfig } from '../lambda/core/config/schema';
import { SluiceStack } from './sluice-stack';

/** Builds the CDK app for one configuration, with cdk-nag's AwsSolutions pack as a synth-time validation. */
export function buildApp(config: SluiceConfig, app: App = new App()): { app: App; stack: SluiceStack } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new SluiceStack(app, config.stackName, {
    config,
    env: account && region ? { account, region } : undefined,
    description: 'sluice: log stream from S3 to your SIEM',
  });
  return { app, stack };
}
