import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
// Only the package's public entry point, by its name, as an app that installs sluice imports it.
import { OUTPUTS, Sluice, SluiceError, type SluiceConfigInput } from 'sluice';

const CONFIG: SluiceConfigInput = {
  bucket: { name: 'platform-audit-logs', encryption: 'kms' },
  sources: [
    { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
    { name: 'apps', prefix: 'apps/logs', ingest: { defaultLogType: 'app' } },
  ],
  destinations: [
    {
      type: 'splunk-hec',
      name: 'splunk',
      url: 'https://splunk.example.com:8088',
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/hec-AbCdEf',
    },
  ],
};

/** A platform team's own stack: its own bucket, and sluice added to it as one construct. */
class PlatformStack extends Stack {
  readonly logStream: Sluice;
  readonly artifacts: s3.Bucket;

  constructor(scope: Construct, id: string, props: StackProps & { readonly config: unknown }) {
    super(scope, id, props);
    this.logStream = new Sluice(this, 'LogStream', { config: props.config as SluiceConfigInput });
    this.artifacts = new s3.Bucket(this, 'Artifacts', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The stack's constructs are ordinary CDK constructs: the access log bucket sluice made serves here too.
      serverAccessLogsBucket: this.logStream.logBucket.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
    });
  }
}

function appWithNag(): App {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'sluice-library-')) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe("sluice as constructs in the user's own CDK app", () => {
  const app = appWithNag();
  const stack = new PlatformStack(app, 'Platform', { config: CONFIG });

  it('synthesizes with cdk-nag AwsSolutions reporting nothing unacknowledged', () => {
    assert.doesNotThrow(() => app.synth());
  });

  it('is checked for real: the same app with a non-compliant bucket of its own fails synthesis', () => {
    const probe = appWithNag();
    const probed = new PlatformStack(probe, 'Probe', { config: CONFIG });
    new s3.Bucket(probed, 'Plain');
    assert.throws(() => probe.synth(), /Validation failed/);
  });

  const template = Template.fromStack(stack);

  it("holds the app's own resources beside sluice's", () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'artifacts/' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'platform-audit-logs' });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });

  it('names its outputs as the CLI reads them, wherever the construct sits in the stack', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of [
      OUTPUTS.bucketName,
      OUTPUTS.objectQueueUrl,
      OUTPUTS.objectDeadLetterQueueUrl,
      OUTPUTS.forwarderFunctionName,
      OUTPUTS.quarantinePrefix,
      OUTPUTS.alarmTopicArn,
      OUTPUTS.ingestQueueUrl,
      OUTPUTS.ingestEndpointUrl,
      OUTPUTS.writerPolicy('strongdm'),
    ]) {
      assert.ok(outputs.includes(name), `output ${name} missing from ${outputs.join(', ')}`);
    }
  });

  it('exposes the validated configuration with its defaults', () => {
    assert.equal(stack.logStream.config.bucket.retentionDays, 395);
    assert.equal(stack.logStream.config.forwarder.memoryMb, 512);
  });

  it('refuses an invalid configuration as `cdk synth` does: every field named, with its fix', () => {
    const invalid = {
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', principals: ['role/x'] }],
      bucket: { retentionDays: 0 },
    };
    assert.throws(
      () => new PlatformStack(new App(), 'Broken', { config: invalid }),
      (error: unknown) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.match(error.message, /configuration of construct 'Broken\/LogStream' is invalid/);
        assert.match(error.message, /sources\[0\]\.principals\[0\]: is not an IAM principal ARN\. Fix:/);
        assert.match(error.message, /bucket\.retentionDays: /);
        return true;
      },
    );
  });

  it('leaves the outputs out when asked, for a second deployment in one stack', () => {
    const quiet = new Stack(new App(), 'Quiet');
    new Sluice(quiet, 'LogStream', {
      config: { sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }] },
      outputs: false,
    });
    assert.deepEqual(Object.keys(Template.fromStack(quiet).findOutputs('*')), []);
  });
});
