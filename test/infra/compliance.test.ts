import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { parseConfig } from '../../lambda/core/config/load';
import { buildApp } from '../../lib/app';
import { COLLECTOR_CONFIG } from './collector-config';
import { configWith, synthesize } from './synth';

const CONFIGURATIONS = {
  defaults: configWith(),
  'kms + object lock + two sources': configWith({
    bucket: { encryption: 'kms', objectLock: { mode: 'governance', days: 90 } },
    sources: [
      { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
      { name: 'portal', prefix: 'apps/portal', principals: ['arn:aws:iam::123456789012:role/portal-logs'] },
    ],
  }),
  'collectors of each type': COLLECTOR_CONFIG,
  'detections with a route of each type': configWith({
    bucket: { encryption: 'kms' },
    detections: {
      routes: [
        { type: 'sns', emails: ['secops@example.com'] },
        { type: 'slack', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/slack' },
        {
          type: 'pagerduty',
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/pd-AbCdEf',
        },
        { type: 'webhook', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/soar' },
      ],
    },
  }),
  'detections on a provisioned, auto scaled table': configWith({
    detections: {
      table: { capacity: 'provisioned', writeUnits: { min: 10, max: 200 }, readUnits: { min: 5, max: 50 } },
    },
  }),
};

describe('cdk-nag AwsSolutions', () => {
  for (const [name, config] of Object.entries(CONFIGURATIONS)) {
    it(`finds nothing unacknowledged in the stack (${name})`, () => {
      assert.doesNotThrow(() => synthesize(config));
    });
  }

  it('is live: an insecure resource added to the stack fails synthesis', () => {
    const { app, stack } = buildApp(
      parseConfig(configWith()),
      new App({ outdir: join(process.cwd(), 'cdk.out', 'nag-probe') }),
    );
    new sqs.Queue(stack, 'PlainQueue');
    assert.throws(() => app.synth(), /Validation failed/);
  });
});

describe('cfn-lint', () => {
  for (const [name, config] of Object.entries(CONFIGURATIONS)) {
    it(`reports no error in the synthesized template (${name})`, () => {
      const { outdir } = synthesize(config);
      const templates = readdirSync(outdir)
        .filter((file) => file.endsWith('.template.json'))
        .map((file) => join(outdir, file));
      assert.ok(templates.length > 0);
      const result = spawnSync('cfn-lint', ['--format', 'parseable', ...templates], { encoding: 'utf8' });
      assert.notEqual(
        result.error?.message.includes('ENOENT'),
        true,
        'cfn-lint must be installed (pip install cfn-lint)',
      );
      // cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
      const errors = result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
      assert.deepEqual(errors, [], result.stdout);
      assert.equal(result.status! & 2, 0, result.stdout + result.stderr);
    });
  }
});
