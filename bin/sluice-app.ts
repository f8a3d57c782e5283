#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadConfigFile } from '../lambda/core/config/load';
import { SluiceError } from '../lambda/core/errors';
import { buildApp } from '../lib/app';

const app = new App();
const configPath = String(app.node.tryGetContext('sluice:config') ?? 'sluice.config.json');
try {
  buildApp(loadConfigFile(configPath), app);
} catch (error) {
  if (error instanceof SluiceError) {
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
