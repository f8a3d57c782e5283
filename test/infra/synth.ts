import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../lambda/core/config/schema';
import { buildApp } from '../../lib/app';

export const STRONGDM_ROLE = 'arn:aws:iam::910226215634:role/StrongDMLogStream';

export const HEC_DESTINATION = {
  type: 'splunk-hec',
  name: 'splunk',
  url: 'https://splunk.example.com:8088',
  tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/hec-AbCdEf',
} as const;

export function configWith(overrides: Partial<SluiceConfigInput> = {}): SluiceConfigInput {
  return {
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [HEC_DESTINATION],
    ...overrides,
  };
}

/** Synthesizes the whole app (cdk-nag included: synth throws on an unacknowledged finding). */
export function synthesize(input: SluiceConfigInput) {
  const outdir = mkdtempSync(join(tmpdir(), 'sluice-synth-'));
  const { app, stack } = buildApp(parseConfig(input), new App({ outdir }));
  const assembly = app.synth();
  return { app, stack, outdir, assembly, template: Template.fromStack(stack) };
}
