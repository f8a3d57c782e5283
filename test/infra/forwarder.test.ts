import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretResourceArns } from '../../lib/forwarder';
import { parseConfig } from '../../lambda/core/config/load';
import {
  readRuntimeConfig,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_FILE,
  RUNTIME_CONFIG_FILE_ENV,
  runtimeConfigOf,
} from '../../lambda/forwarder/runtime-config';
import { configWith, HEC_DESTINATION, synthesize } from './synth';

const ES_KEY_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/es-key';
const DOMAIN = 'arn:aws:es:eu-west-1:123456789012:domain/security';
const AUDIT_DOMAIN = 'arn:aws:es:eu-west-1:123456789012:domain/audit';

describe('the forwarder function', () => {
  const { template } = synthesize(
    configWith({
      bucket: { encryption: 'kms' },
      destinations: [
        HEC_DESTINATION,
        {
          type: 'elasticsearch',
          name: 'elastic',
          url: 'https://es.example.com',
          auth: { type: 'api-key', secretArn: ES_KEY_SECRET },
        },
        {
          type: 'elasticsearch',
          name: 'opensearch',
          url: 'https://search-security.eu-west-1.es.amazonaws.com',
          auth: { type: 'sigv4', service: 'es', region: 'eu-west-1', resourceArn: DOMAIN },
        },
        {
          type: 'elasticsearch',
          name: 'audit',
          // A path before `/_bulk`: the request's IAM resource is the domain ARN with that path.
          url: 'https://search-audit.eu-west-1.es.amazonaws.com/audit-logs',
          auth: { type: 'sigv4', service: 'es', region: 'eu-west-1', resourceArn: AUDIT_DOMAIN },
        },
      ],
      forwarder: {
        memoryMb: 1024,
        timeoutSeconds: 120,
        batchSize: 50,
        maxBatchingWindowSeconds: 5,
        maxConcurrency: 20,
        reservedConcurrency: 30,
      },
    }),
  );
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp('sluice forwarder') },
  });
  const [functionId, fn] = Object.entries(functions)[0];
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  const statements = Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();

  it('runs on arm64 with the configured memory, timeout and reserved concurrency', () => {
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    assert.match(fn.Properties.Runtime, /^nodejs(2[2-9]|[3-9]\d)\.x$/);
    assert.equal(fn.Properties.MemorySize, 1024);
    assert.equal(fn.Properties.Timeout, 120);
    assert.equal(fn.Properties.ReservedConcurrentExecutions, 30);
    // The handler sizes its S3 reads' idle timeout by it (it is told only its time left).
    assert.equal(fn.Properties.Environment.Variables.SLUICE_FUNCTION_TIMEOUT_SECONDS, '120');
  });

  it('is fed by the object queue with partial batch responses and the configured batching', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('carries secret ARNs in its configuration, never secret values', () => {
    const config = JSON.parse(fn.Properties.Environment.Variables.SLUICE_FORWARDER_CONFIG);
    assert.equal(config.destinations[0].tokenSecretArn, HEC_DESTINATION.tokenSecretArn);
    assert.deepEqual(
      config.sources.map((source: { prefix: string }) => source.prefix),
      ['sdm/logs'],
    );
  });

  it('may read only the source prefixes and the quarantine prefix, and write only the quarantine prefix', () => {
    const reads = statements.filter((statement) => actionsOf(statement).includes('s3:GetObject'));
    assert.deepEqual(
      reads.map(
        (statement) => JSON.stringify(statement.Resource).match(/\/(sdm\/logs|sluice\/quarantine)\/\*/)?.[1],
      ),
      ['sdm/logs', 'sluice/quarantine'],
    );
    const writes = statements.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    assert.equal(writes.length, 1);
    assert.match(JSON.stringify(writes[0].Resource), /\/sluice\/quarantine\/\*/);
    assert.ok(
      !statements.some((statement) =>
        actionsOf(statement).some((action) => /^s3:(\*|Delete|List)/.test(action)),
      ),
    );
  });

  it('may read exactly its destination secrets (partial ARNs matched by their suffix)', () => {
    const [secrets] = statements.filter((statement) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue'),
    );
    assert.deepEqual(
      [secrets.Resource].flat().sort(),
      [
        HEC_DESTINATION.tokenSecretArn,
        `${HEC_DESTINATION.tokenSecretArn}-??????`,
        `${ES_KEY_SECRET}-??????`,
      ].sort(),
    );
  });

  it('matches a partial secret ARN whose name ends like a suffix (sluice/hec-tokens) both ways', () => {
    const named = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/hec-tokens';
    assert.deepEqual(secretResourceArns(named), [named, `${named}-??????`]);
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/hec';
    assert.deepEqual(secretResourceArns(partial), [`${partial}-??????`]);
  });

  it('may write to the named OpenSearch domains only, one statement each', () => {
    const domains = statements.filter((statement) => actionsOf(statement).includes('es:ESHttpPost'));
    assert.deepEqual(
      domains.map((statement) => [statement.Sid, statement.Resource]),
      [
        ['WriteOpenSearchOpensearch', [DOMAIN, `${DOMAIN}/_bulk`]],
        [
          'LookUpOpenSearchOpensearch',
          [`${DOMAIN}/*/_settings/index.creation_date`, `${DOMAIN}/_alias/*`, `${DOMAIN}/*/_search`],
        ],
        ['WriteOpenSearchAudit', [AUDIT_DOMAIN, `${AUDIT_DOMAIN}/audit-logs/_bulk`]],
        [
          'LookUpOpenSearchAudit',
          [
            `${AUDIT_DOMAIN}/audit-logs/*/_settings/index.creation_date`,
            `${AUDIT_DOMAIN}/audit-logs/_alias/*`,
            `${AUDIT_DOMAIN}/audit-logs/*/_search`,
          ],
        ],
      ],
    );
  });

  it("reads only the rollover lookup's settings and searches with GET, on the same domains", () => {
    const gets = statements.filter((statement) => actionsOf(statement).includes('es:ESHttpGet'));
    assert.deepEqual(
      gets.map((statement) => statement.Sid),
      ['LookUpOpenSearchOpensearch', 'LookUpOpenSearchAudit'],
    );
  });

  it('may decrypt objects and encrypt quarantine entries with the bucket key, and re-enqueue continuations', () => {
    assert.ok(statements.some((statement) => actionsOf(statement).includes('kms:Decrypt')));
    assert.ok(statements.some((statement) => actionsOf(statement).includes('sqs:SendMessage')));
    assert.ok(statements.some((statement) => actionsOf(statement).includes('sqs:ReceiveMessage')));
  });

  it('does not use AWS managed policies and logs to its own log group with a retention', () => {
    const role = template.toJSON().Resources[roleId];
    assert.equal(role.Properties.ManagedPolicyArns, undefined);
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    assert.equal(template.toJSON().Resources[logGroupId].Properties.RetentionInDays, 90);
  });
});

describe('a configuration too large for the Lambda environment', () => {
  const many = Array.from({ length: 40 }, (_, index) => ({ ...HEC_DESTINATION, name: `splunk-${index}` }));
  const config = configWith({ destinations: many });
  const { template, outdir } = synthesize(config);
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, resource]) =>
    String(resource.Properties.Description).startsWith('sluice forwarder'),
  )!;

  it('goes into the bundle beside the handler, not the environment (4 KB in all)', () => {
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    assert.equal(env[RUNTIME_CONFIG_ENV], undefined);
    const bundle = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const bundled = JSON.parse(readFileSync(join(bundle, RUNTIME_CONFIG_FILE), 'utf8'));
    assert.deepEqual(bundled, JSON.parse(JSON.stringify(runtimeConfigOf(parseConfig(config)))));
    assert.equal(bundled.destinations.length, 40);
  });

  it('is what the forwarder reads there', () => {
    const bundle = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const read = readRuntimeConfig({ [RUNTIME_CONFIG_FILE_ENV]: join(bundle, RUNTIME_CONFIG_FILE) });
    assert.deepEqual(
      read.destinations.map((destination) => destination.name),
      many.map((destination) => destination.name),
    );
  });
});

describe('a configuration that fits in 4 KB raw but not as Lambda measures the environment', () => {
  // Seven destinations: ~3.1 KB of JSON, ~3.5 KB once its quotes are escaped, and Lambda measures the
  // JSON of all the variables (escapes, the other names and values included) against 4 KB.
  const seven = Array.from({ length: 7 }, (_, index) => ({ ...HEC_DESTINATION, name: `splunk-${index}` }));
  const { template } = synthesize(configWith({ destinations: seven, detections: {} }));
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, resource]) =>
    String(resource.Properties.Description).startsWith('sluice forwarder'),
  )!;

  it('goes into the bundle: in the environment, the deployment would be refused', () => {
    const serialized = JSON.stringify(
      runtimeConfigOf(parseConfig(configWith({ destinations: seven, detections: {} }))),
    );
    assert.ok(Buffer.byteLength(serialized) < 3500 && JSON.stringify(serialized).length > 3500);
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    assert.equal(env[RUNTIME_CONFIG_ENV], undefined);
  });
});
