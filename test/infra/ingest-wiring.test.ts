import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configWith, synthesize } from './synth';

describe('a stack with an ingest source', () => {
  const { template } = synthesize(
    configWith({
      bucket: { encryption: 'kms' },
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        { name: 'apps', prefix: 'apps/logs', ingest: { defaultLogType: 'app', gzip: true } },
      ],
    }),
  );

  it('creates the ingest queue, batcher and endpoint and exports them for producers and the CLI', () => {
    for (const output of [
      'IngestQueueUrl',
      'IngestDeadLetterQueueUrl',
      'IngestEndpointUrl',
      'IngestTokenSecretArn',
    ]) {
      template.hasOutput(output, {});
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  });

  it('lets nobody outside the account write the ingest prefix (no bucket policy statement for it)', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    assert.ok(outputs.includes('WriterPolicyStrongdm'));
    assert.ok(!outputs.includes('WriterPolicyApps'));
  });

  it('notifies the forwarder of batcher objects exactly as of vendor objects', () => {
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'))[0];
    const prefixes = notifications.Properties.NotificationConfiguration.QueueConfigurations.map(
      (configuration: { Filter: { Key: { FilterRules: { Value: string }[] } } }) =>
        configuration.Filter.Key.FilterRules[0].Value,
    );
    assert.deepEqual(prefixes.sort(), ['apps/logs/', 'sdm/logs/']);
  });

  it('passes the batcher its limits and the ingest prefix', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const batcher = functions.find((fn) => fn.Properties.Environment?.Variables?.INGEST_PREFIX);
    assert.ok(batcher);
    assert.equal(batcher.Properties.Environment.Variables.INGEST_PREFIX, 'apps/logs');
    assert.equal(batcher.Properties.Environment.Variables.GZIP, 'true');
    assert.equal(batcher.Properties.Environment.Variables.DEFAULT_LOG_TYPE, 'app');
  });
});

describe('a stack whose ingest endpoint reads a token secret given by name', () => {
  // `ingest-tokens`: a name ending in `-` and six letters, like a complete ARN's random suffix.
  const named = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/ingest-tokens';
  const { template } = synthesize(
    configWith({
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        {
          name: 'apps',
          prefix: 'apps/logs',
          ingest: { defaultLogType: 'app', endpoint: { tokenSecretArn: named } },
        },
      ],
    }),
  );

  it('lets the endpoint read the secret whichever ARN it is (the name, or a complete ARN)', () => {
    const reads = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((statement) => [statement.Resource].flat());
    // The secret's real ARN is `<named>-AbCdEf`: without the suffix form, every request would be refused.
    assert.ok(reads.includes(`${named}-??????`), JSON.stringify(reads));
  });
});
