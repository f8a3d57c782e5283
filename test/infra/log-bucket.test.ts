import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { configWith, STRONGDM_ROLE, synthesize } from './synth';

const APP_ROLE = 'arn:aws:iam::123456789012:role/app-log-writer';

function logBucket(template: ReturnType<typeof synthesize>['template']) {
  const buckets = template.findResources('AWS::S3::Bucket', {
    Properties: { BucketName: Match.anyValue() },
  });
  const entries = Object.entries(buckets);
  assert.equal(entries.length, 1, 'exactly one named (log) bucket');
  return { id: entries[0][0], properties: entries[0][1].Properties };
}

describe('the log bucket with default settings', () => {
  const { template } = synthesize(configWith());
  const bucket = logBucket(template);

  it('blocks public access, disables ACLs and encrypts with SSE-S3', () => {
    assert.deepEqual(bucket.properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.properties.OwnershipControls, {
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    assert.equal(
      bucket.properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
        .SSEAlgorithm,
      'AES256',
    );
  });

  it('is versioned, retained on stack deletion and logs access to a separate bucket', () => {
    assert.deepEqual(bucket.properties.VersioningConfiguration, { Status: 'Enabled' });
    const resources = template.toJSON().Resources;
    assert.equal(resources[bucket.id].DeletionPolicy, 'Retain');
    assert.equal(resources[bucket.id].UpdateReplacePolicy, 'Retain');
    const logTarget = bucket.properties.LoggingConfiguration.DestinationBucketName.Ref;
    assert.ok(logTarget && logTarget !== bucket.id);
    assert.equal(resources[logTarget].Type, 'AWS::S3::Bucket');
    assert.equal(resources[logTarget].DeletionPolicy, 'Retain');
  });

  it('is named so that it can be typed into the vendor admin UI before deployment', () => {
    assert.deepEqual(bucket.properties.BucketName, {
      'Fn::Join': ['', ['sluice-logs-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]],
    });
  });

  it('denies plain HTTP and TLS below 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('moves logs to colder storage, expires them at retention and cleans versions, markers and uploads', () => {
    const rules = bucket.properties.LifecycleConfiguration.Rules;
    assert.deepEqual(rules[0], {
      Id: 'age-out-logs',
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
      ExpirationInDays: 395,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    assert.deepEqual(rules[1], {
      Id: 'remove-expired-delete-markers',
      Status: 'Enabled',
      ExpiredObjectDeleteMarker: true,
    });
  });

  it('lets the vendor role PutObject under its prefix and nothing else', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'SluiceWriterStrongdm',
            Effect: 'Allow',
            Principal: { AWS: STRONGDM_ROLE },
            Action: 's3:PutObject',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':s3:::sluice-logs-',
                  { Ref: 'AWS::AccountId' },
                  '-',
                  { Ref: 'AWS::Region' },
                  '/sdm/logs/*',
                ],
              ],
            },
          },
        ]),
      },
    });
  });

  it('outputs the writer policy as the vendor shows it, for the operator to compare', () => {
    const outputs = template.findOutputs('WriterPolicyStrongdm');
    const value = JSON.stringify(outputs.WriterPolicyStrongdm.Value);
    assert.match(value, /StrongDMLogStream/);
    assert.match(value, /s3:PutObject/);
    assert.match(value, /\/sdm\/logs\/\*/);
  });

  it('has no Object Lock and no KMS key', () => {
    assert.equal(bucket.properties.ObjectLockEnabled, undefined);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});

describe('the log bucket with a customer-managed KMS key', () => {
  const { template } = synthesize(configWith({ bucket: { encryption: 'kms', name: 'acme-audit-logs' } }));
  const bucket = logBucket(template);

  it('encrypts with a rotating key and S3 Bucket Keys', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const rule = bucket.properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    assert.equal(rule.ServerSideEncryptionByDefault.SSEAlgorithm, 'aws:kms');
    assert.ok(rule.ServerSideEncryptionByDefault.KMSMasterKeyID);
    assert.equal(rule.BucketKeyEnabled, true);
  });

  it('lets the writer use the key only through S3 and only for this bucket and its prefix', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: STRONGDM_ROLE },
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Condition: {
              StringEquals: {
                'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
              },
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': [
                  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-audit-logs']] },
                  {
                    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-audit-logs/sdm/logs/*']],
                  },
                ],
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('the log bucket with Object Lock and two sources', () => {
  const { template } = synthesize(
    configWith({
      bucket: { objectLock: { mode: 'compliance', days: 365 } },
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        { name: 'portal', prefix: 'apps/portal', principals: [APP_ROLE] },
      ],
    }),
  );
  const bucket = logBucket(template);

  it('locks every new object version in compliance mode for the configured days', () => {
    assert.equal(bucket.properties.ObjectLockEnabled, true);
    assert.deepEqual(bucket.properties.ObjectLockConfiguration, {
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
    });
  });

  it('gives each writer its own prefix only', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policies).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const allows = statements.filter((statement) => statement.Effect === 'Allow' && statement.Principal.AWS);
    assert.equal(allows.length, 2);
    assert.ok(allows.every((statement) => statement.Action === 's3:PutObject'));
    const byPrincipal = new Map(
      allows.map((statement) => [statement.Principal.AWS, JSON.stringify(statement.Resource)]),
    );
    assert.match(byPrincipal.get(STRONGDM_ROLE) ?? '', /\/sdm\/logs\/\*/);
    assert.match(byPrincipal.get(APP_ROLE) ?? '', /\/apps\/portal\/\*/);
    assert.doesNotMatch(byPrincipal.get(APP_ROLE) ?? '', /sdm/);
  });

  it('notifies the object queue for each source prefix', () => {
    const notifications = template.findResources('Custom::S3BucketNotifications');
    const configurations =
      Object.values(notifications)[0].Properties.NotificationConfiguration.QueueConfigurations;
    const prefixes = configurations.map(
      (configuration: { Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) =>
        configuration.Filter.Key.FilterRules[0].Value,
    );
    assert.deepEqual(prefixes.sort(), ['apps/portal/', 'sdm/logs/']);
    for (const configuration of configurations) {
      assert.deepEqual(configuration.Events, ['s3:ObjectCreated:*']);
    }
    template.hasOutput('WriterPolicyPortal', {});
  });
});
