#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { detectionRuleFilesOf } from '../lambda/core/config/detection-rules';
import { loadConfigFile } from '../lambda/core/config/load';
import { SluiceError } from '../lambda/core/errors';
import { buildApp } from '../lib/app';

const app = new App();
const configPath = String(app.node.tryGetContext('sluice:config') ?? 'sluice.config.json');
try {
  const config = loadConfigFile(configPath);
  // Every rule compiled before anything is built: a bad rule fails synth with its file:line:column.
  // The stack reads the same files again from detectionRuleFilesOf (read once per configuration).
  detectionRuleFilesOf(config);
  buildApp(config, app);
} catch (error) {
  if (error instanceof SluiceError) {
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
