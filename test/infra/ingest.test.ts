import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  IngestBatcher,
  IngestEndpoint,
  IngestQueue,
  type IngestBatcherProps,
  type IngestEndpointProps,
  type IngestQueueProps,
} from '../../lib/ingest';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const BUCKET = 'sluice-logs-123456789012-eu-west-1';

interface Options {
  readonly kms?: boolean;
  /** Run esbuild (slower); off, the functions get placeholder code. */
  readonly bundle?: boolean;
  readonly nag?: boolean;
  readonly queue?: IngestQueueProps;
  readonly batcher?: Partial<IngestBatcherProps>;
  readonly endpoint?: Partial<IngestEndpointProps>;
}

/** A small stack of its own: the bucket as the main stack hands it over, plus the three ingest constructs. */
function ingestStack(options: Options = {}) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'sluice-ingest-')),
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'IngestTest', { env: ENV });
  const key = options.kms ? new kms.Key(stack, 'Key', { enableKeyRotation: true }) : undefined;
  const bucket = s3.Bucket.fromBucketAttributes(stack, 'LogBucket', {
    bucketName: BUCKET,
    encryptionKey: key,
  });
  const queue = new IngestQueue(stack, 'IngestQueue', { encryptionKey: key, ...options.queue });
  const batcher = new IngestBatcher(stack, 'IngestBatcher', {
    queue,
    bucket,
    prefix: 'apps/logs',
    quarantinePrefix: 'sluice/quarantine',
    ...options.batcher,
  });
  const endpoint = new IngestEndpoint(stack, 'IngestEndpoint', {
    queue,
    defaultLogType: 'app',
    ...options.endpoint,
  });
  return { app, stack, key, queue, batcher, endpoint };
}

function policyStatementsOf(template: Template, roleLogicalId: string) {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

function actionsOf(statements: Record<string, unknown>[]): string[] {
  return statements.flatMap((statement) => [statement.Action].flat() as string[]).sort();
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('IngestQueue', () => {
  it('encrypts both queues with SSE-SQS, enforces TLS, and parks failed messages in a 14-day DLQ after 5 receives', () => {
    const { stack, queue } = ingestStack();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 660,
      MessageRetentionPeriod: 14 * 24 * 3600,
      MaximumMessageSize: 262_144,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, queue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
    for (const q of [queue.queue, queue.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(stack, q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });

  it('uses the customer key for both queues when given one', () => {
    const { stack, key } = ingestStack({ kms: true });
    const template = Template.fromStack(stack);
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    assert.equal(queues.length, 2);
    for (const queue of queues) {
      assert.deepEqual((queue as { Properties: { KmsMasterKeyId: unknown } }).Properties.KmsMasterKeyId, {
        'Fn::GetAtt': [logicalId(stack, key!), 'Arn'],
      });
    }
  });

  it('refuses a maxReceiveCount below 5 and a message size SQS does not allow', () => {
    assert.throws(
      () => ingestStack({ queue: { maxReceiveCount: 3 } }),
      /maxReceiveCount must be an integer of at least 5/,
    );
    assert.throws(() => ingestStack({ queue: { maxMessageSizeBytes: 2_000_000 } }), /maxMessageSizeBytes/);
  });

  it('grants producers sqs:SendMessage, and with a key only the two KMS actions SSE-KMS needs', () => {
    const { stack, queue, key } = ingestStack({ kms: true });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    queue.grantSend(producer);
    const statements = policyStatementsOf(Template.fromStack(stack), logicalId(stack, producer));
    assert.deepEqual(statements, [
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack, queue.queue), 'Arn'] },
      },
      {
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack, key!), 'Arn'] },
      },
    ]);
  });
});

describe('IngestBatcher', () => {
  it('runs on nodejs24.x arm64 with its configuration in the environment', () => {
    const { stack } = ingestStack({
      batcher: {
        gzip: true,
        maxEntriesPerObject: 500,
        defaultLogType: 'app',
        allowedLogTypes: ['app', 'audit'],
        enrichment: { source: 'orders-api', env: 'prod' },
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 60,
      Environment: {
        Variables: {
          BUCKET_NAME: BUCKET,
          INGEST_PREFIX: 'apps/logs',
          QUARANTINE_PREFIX: 'sluice/quarantine',
          MAX_ENTRIES_PER_OBJECT: '500',
          MAX_BYTES_PER_OBJECT: String(100 * 1024 * 1024),
          GZIP: 'true',
          DEFAULT_LOG_TYPE: 'app',
          ALLOWED_LOG_TYPES: 'app,audit',
          ENRICH_SOURCE: 'orders-api',
          ENRICH_ENV: 'prod',
          ENRICH_APP: Match.absent(),
        },
      },
    });
  });

  it("tells its function its timeout, from which its S3 writes' request timeouts are derived", () => {
    const { stack } = ingestStack({ batcher: { timeout: Duration.seconds(90) } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 90,
      Environment: { Variables: Match.objectLike({ SLUICE_FUNCTION_TIMEOUT_SECONDS: '90' }) },
    });
  });

  it('consumes the ingest queue in batches, reporting batch item failures', () => {
    const { stack, queue } = ingestStack({
      batcher: { batchSize: 5000, maxBatchingWindow: Duration.seconds(60) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, queue.queue), 'Arn'] },
      BatchSize: 5000,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('keeps its logs for three months by default', () => {
    const { stack, batcher } = ingestStack();
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logicalId(stack, batcher.logGroup) } },
    });
  });

  it('may only put objects under its prefix and the ingest quarantine, and read nothing from the bucket', () => {
    const { stack, batcher } = ingestStack();
    const statements = policyStatementsOf(Template.fromStack(stack), logicalId(stack, batcher.role));
    const s3Statements = statements.filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('s3:')),
    );
    assert.deepEqual(s3Statements, [
      {
        Sid: 'WriteIngestObjects',
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}/apps/logs/*`]] },
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}/sluice/quarantine/ingest/*`],
            ],
          },
        ],
      },
    ]);
    assert.deepEqual(actionsOf(statements), [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  it('may encrypt with the bucket key and decrypt queue messages, when the bucket and queue use KMS', () => {
    const { stack, batcher } = ingestStack({ kms: true });
    const kmsActions = actionsOf(
      policyStatementsOf(Template.fromStack(stack), logicalId(stack, batcher.role)),
    ).filter((action) => action.startsWith('kms:'));
    assert.deepEqual(kmsActions, ['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('refuses a queue visibility timeout shorter than 6 × its timeout + its batching window', () => {
    assert.throws(
      () =>
        ingestStack({
          queue: { visibilityTimeout: Duration.minutes(5) },
          batcher: { timeout: Duration.seconds(60) },
        }),
      /visibility timeout \(300 s\) must be at least 6 × the batcher timeout \+ its batching window \(370 s\)/,
    );
    assert.doesNotThrow(() =>
      ingestStack({
        queue: { visibilityTimeout: Duration.seconds(370) },
        batcher: { timeout: Duration.seconds(60), maxBatchingWindow: Duration.seconds(10) },
      }),
    );
  });

  it('refuses settings that would break the layout or Lambda rules', () => {
    const refused: [Partial<IngestBatcherProps>, RegExp][] = [
      [{ quarantinePrefix: 'apps/logs/quarantine' }, /overlaps prefix/],
      [{ prefix: 'apps/../logs' }, /must be path segments/],
      [{ defaultLogType: 'a/b' }, /must match/],
      [{ defaultLogType: 'app', allowedLogTypes: ['audit'] }, /not in allowedLogTypes/],
      [{ batchSize: 20_000 }, /batchSize must be an integer in 1\.\.10000/],
      [{ batchSize: 100, maxBatchingWindow: Duration.seconds(0) }, /at least 1 s when batchSize is above 10/],
      [{ maxBatchingWindow: Duration.seconds(301) }, /at most 300 s/],
    ];
    for (const [batcher, message] of refused) {
      assert.throws(() => ingestStack({ batcher }), message, JSON.stringify(batcher));
    }
  });
});

describe('IngestEndpoint', () => {
  it('routes the generic and HEC-compatible paths to the function, and nothing else', () => {
    const { stack } = ingestStack();
    const routes = Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route');
    assert.deepEqual(
      Object.values(routes)
        .map((route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey)
        .sort(),
      [
        'GET /services/collector/health',
        'GET /services/collector/health/1.0',
        'POST /services/collector',
        'POST /services/collector/event',
        'POST /services/collector/event/1.0',
        'POST /services/collector/raw',
        'POST /services/collector/raw/1.0',
        'POST /v1/events',
      ],
    );
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
  });

  it('throttles the stage (API Gateway answers 429 above it) and writes JSON access logs', () => {
    const { stack, endpoint } = ingestStack({ endpoint: { throttle: { rateLimit: 20, burstLimit: 40 } } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack, endpoint.accessLogGroup), 'Arn'] },
      },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { AccessLogSettings: { Format: string } };
    };
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    assert.equal(format.requestId, '$context.requestId');
    assert.equal(format.status, '$context.status');
  });

  it('throttles at 50 requests/s with bursts of 100 by default', () => {
    const { stack } = ingestStack();
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('gives the function the secret ARN (never the token), the queue URL and the limits', () => {
    const { stack, endpoint, queue } = ingestStack({
      endpoint: { allowedLogTypes: ['app', 'audit'], maxBodyBytes: 1_000_000 },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 15,
      Environment: {
        Variables: {
          INGEST_QUEUE_URL: { Ref: logicalId(stack, queue.queue) },
          TOKEN_SECRET_ARN: { Ref: logicalId(stack, endpoint.tokenSecret as secretsmanager.Secret) },
          DEFAULT_LOG_TYPE: 'app',
          ALLOWED_LOG_TYPES: 'app,audit',
          MAX_BODY_BYTES: '1000000',
          MAX_MESSAGE_BYTES: '262144',
          TOKEN_CACHE_SECONDS: '300',
          SLUICE_FUNCTION_TIMEOUT_SECONDS: '15',
        },
      },
    });
  });

  it('creates a token secret when none is given, and uses the given one otherwise', () => {
    const created = ingestStack();
    Template.fromStack(created.stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Given', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Token',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/ingest-token-AbCdEf',
    );
    const endpoint = new IngestEndpoint(stack, 'Endpoint', {
      queue: new IngestQueue(stack, 'Queue'),
      tokenSecret: secret,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const statements = policyStatementsOf(template, logicalId(stack, endpoint.role));
    assert.ok(
      statements.some(
        (statement) =>
          JSON.stringify(statement.Action) ===
            JSON.stringify(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']) &&
          statement.Resource ===
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/ingest-token-AbCdEf',
      ),
      JSON.stringify(statements),
    );
  });

  it('may only send to the ingest queue, read its token and write its logs', () => {
    const { stack, endpoint } = ingestStack();
    assert.deepEqual(
      actionsOf(policyStatementsOf(Template.fromStack(stack), logicalId(stack, endpoint.role))),
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ],
    );
  });

  it('refuses a default log type outside the allowed set', () => {
    assert.throws(
      () => ingestStack({ endpoint: { defaultLogType: 'x', allowedLogTypes: ['y'] } }),
      /not in allowedLogTypes/,
    );
  });

  it('refuses at synthesis what the function would refuse, or outlive API Gateway with, at run time', () => {
    // The function's environment allows TOKEN_CACHE_SECONDS 0..3600: above it, every request would fail
    // its configuration (500, which producers retry forever) instead of the deployment failing.
    assert.throws(
      () => ingestStack({ endpoint: { tokenCacheTtl: Duration.hours(2) } }),
      (error: Error & { code?: string }) =>
        error.code === 'INGEST_PROPS_INVALID' &&
        /tokenCacheTtl \(seconds\) must be an integer in 0\.\.3600/.test(error.message),
    );
    // API Gateway gives up on the integration after 30 s and answers 503 while the function may still
    // queue the events: the producer's retry would queue them again.
    assert.throws(
      () => ingestStack({ endpoint: { timeout: Duration.seconds(60) } }),
      (error: Error & { code?: string }) =>
        error.code === 'INGEST_PROPS_INVALID' &&
        /timeout \(seconds\) must be an integer in 5\.\.29/.test(error.message),
    );
    // Below 5 s the SDK's three attempts of at least 1 s each and the answer no longer fit.
    assert.throws(
      () => ingestStack({ endpoint: { timeout: Duration.seconds(4) } }),
      (error: Error & { code?: string }) =>
        error.code === 'INGEST_PROPS_INVALID' &&
        /timeout \(seconds\) must be an integer in 5\.\.29, got 4/.test(error.message),
    );
    assert.doesNotThrow(() =>
      ingestStack({ endpoint: { tokenCacheTtl: Duration.hours(1), timeout: Duration.seconds(29) } }),
    );
    assert.doesNotThrow(() => ingestStack({ endpoint: { timeout: Duration.seconds(5) } }));
  });
});

describe('the ingest constructs under cdk-nag AwsSolutions and cfn-lint', () => {
  for (const kmsMode of [false, true]) {
    const name = kmsMode ? 'KMS keys' : 'default encryption';
    it(`synthesize with every finding acknowledged, bundling the real handlers (${name})`, () => {
      const { app } = ingestStack({ kms: kmsMode, bundle: true, nag: true });
      const assembly = app.synth();
      const template = assembly.getStackByName('IngestTest').template as {
        Resources: Record<string, { Type: string }>;
      };
      assert.equal(
        Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function')
          .length,
        2,
      );
    });
  }

  it('is live: a wildcard the constructs did not ask for still fails synthesis', () => {
    const { app, batcher } = ingestStack({ nag: true });
    batcher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other/*'] }),
    );
    assert.throws(() => app.synth(), /Validation failed/);
  });

  it('passes cfn-lint without errors', () => {
    const { app } = ingestStack({ kms: true });
    const outdir = app.synth().directory;
    const templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(outdir, file));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', ...templates], { encoding: 'utf8' });
    assert.notEqual(
      result.error?.message.includes('ENOENT'),
      true,
      'cfn-lint must be installed (pip install cfn-lint)',
    );
    const errors = result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    assert.deepEqual(errors, [], result.stdout);
  });
});
