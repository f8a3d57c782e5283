import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadConfigFile } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';
import { createHandler } from '../../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV } from '../../../lambda/forwarder/runtime-config';
import { readBatcherConfig } from '../../../lambda/ingest-batcher/config';
import { readEndpointConfig } from '../../../lambda/ingest-endpoint/config';
import { BUCKET, startPipeline, type Pipeline } from '../../support/pipeline';
import { lambdaContext } from '../faults/support/workers';
import { receiveAll, toSqsEvent } from '../ingest/aws';

const CONFIGS = join(__dirname, '..', '..', 'fixtures', 'bad-input', 'config');

/** Every problem a malformed configuration file must report, one line each, naming the field and the fix. */
const CONFIG_FILES: Readonly<Record<string, readonly (string | RegExp)[]>> = {
  'not-json.json': [/is not valid JSON: Expected double-quoted property name in JSON at position \d+/],
  'unknown-field.json': [
    'sources[0].formatt: unknown field "formatt". Fix: did you mean "format"?',
    'destinaitons: unknown field "destinaitons". Fix: did you mean "destinations"?',
  ],
  'plain-http-destination.json': [
    "destinations[0].url: 'http://splunk.example.com:8088' must use https:// (plain http is accepted only on loopback: localhost, 127.0.0.1 or [::1]). Fix: use the TLS endpoint",
  ],
  'secrets-inline.json': [
    'destinations[0].url: must not embed credentials. Fix: put them in Secrets Manager and reference the secret ARN',
    'destinations[0].auth.secretArn: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  ],
  'overlapping-prefixes.json': [
    "quarantinePrefix: 'sdm' overlaps sources[0].prefix 'sdm/logs'. Fix: keep quarantined records outside every source prefix",
    "sources[1].name: duplicates sources[0].name 'strongdm'. Fix: give every source its own name",
    "sources[1].prefix: 'sdm/logs/activities' overlaps sources[0].prefix 'sdm/logs'. Fix: use prefixes where neither contains the other",
    "quarantinePrefix: 'sdm' overlaps sources[1].prefix 'sdm/logs/activities'. Fix: keep quarantined records outside every source prefix",
  ],
  'no-sources.json': [
    'sources: needs at least one source. Fix: add {"name","prefix","preset"|"principals"}',
    'forwarder.memoryMb: Too small: expected number to be >=256',
    'forwarder.maxReceiveCount: Too small: expected number to be >=5',
    'forwarder.maxBatchingWindowSeconds: must be at least 1 when forwarder.batchSize (100) is above 10 (a Lambda rule). Fix: set a batching window or a batch size of 10 or less',
  ],
};

function problemsOf(error: unknown): string[] {
  assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
  assert.equal(error.code, 'CONFIG_INVALID');
  const problems = (error.context as { problems?: string[] }).problems;
  return problems ?? [error.message];
}

describe('bad input: malformed configuration', () => {
  for (const [file, expected] of Object.entries(CONFIG_FILES)) {
    it(`${file}: refused at synth time with one line per problem`, () => {
      const problems = problemsOf(
        (() => {
          try {
            loadConfigFile(join(CONFIGS, file));
          } catch (error) {
            return error;
          }
          return assert.fail('the configuration was accepted');
        })(),
      );
      assert.equal(problems.length, expected.length, problems.join('\n'));
      expected.forEach((line, index) =>
        typeof line === 'string' ? assert.equal(problems[index], line) : assert.match(problems[index], line),
      );
    });
  }

  it('ingest functions refuse a malformed environment, naming every variable', () => {
    assert.throws(
      () =>
        readBatcherConfig({
          BUCKET_NAME: 'b',
          INGEST_PREFIX: '../up',
          QUARANTINE_PREFIX: '',
          MAX_ENTRIES_PER_OBJECT: 'many',
          GZIP: 'yes',
        }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'INGEST_CONFIG_INVALID' &&
        ['INGEST_PREFIX', 'QUARANTINE_PREFIX', 'MAX_ENTRIES_PER_OBJECT', 'GZIP'].every((name) =>
          error.message.includes(name),
        ),
    );
    assert.throws(
      () =>
        readEndpointConfig({
          INGEST_QUEUE_URL: 'not a url',
          TOKEN_SECRET_ARN: 'the-token-itself',
          MAX_BODY_BYTES: '10',
        }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'INGEST_CONFIG_INVALID' &&
        ['INGEST_QUEUE_URL', 'TOKEN_SECRET_ARN', 'MAX_BODY_BYTES'].every((name) =>
          error.message.includes(name),
        ) &&
        !error.message.includes('the-token-itself'),
    );
  });

  describe('a forwarder deployed with a malformed runtime configuration', () => {
    let pipeline: Pipeline;

    before(async () => {
      pipeline = await startPipeline();
    });
    after(async () => pipeline.stop());

    const environments: readonly { name: string; value?: string; code: string }[] = [
      { name: 'missing', code: 'RUNTIME_CONFIG_MISSING' },
      { name: 'without destinations', value: '{"sources": []}', code: 'RUNTIME_CONFIG_INVALID' },
      { name: 'not JSON', value: '{"sources": [', code: 'RUNTIME_CONFIG_INVALID' },
    ];

    /** Feeds one batch from the object queue to a forwarder built from `value`; returns what it threw. */
    async function invokeWith(value: string | undefined): Promise<{ error: unknown; batch: number }> {
      await pipeline.purge();
      await pipeline.putObject(
        'sdm/logs/activities/2024/02/01/18/50/a.json',
        '{"id":"a","logType":"activities"}\n',
      );
      const handler = createHandler({
        AWS_ENDPOINT_URL: pipeline.moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        SLUICE_BUCKET: BUCKET,
        SLUICE_OBJECT_QUEUE_URL: pipeline.queueUrl,
        ...(value === undefined ? {} : { [RUNTIME_CONFIG_ENV]: value }),
      });
      const messages = await receiveAll(pipeline.sqs, pipeline.queueUrl, 1);
      assert.ok(messages.length > 0);
      try {
        await handler(
          toSqsEvent(messages, 'arn:aws:sqs:us-east-1:123456789012:objects'),
          lambdaContext(5_000),
        );
      } catch (error) {
        return { error, batch: messages.length };
      }
      return assert.fail('the invocation succeeded');
    }

    for (const { name, value, code } of environments) {
      it(`${RUNTIME_CONFIG_ENV} ${name}: the invocation fails, so every message of the batch is retried (none is lost)`, async () => {
        // The error escapes the handler: Lambda counts the whole batch as failed and SQS keeps it.
        const { error, batch } = await invokeWith(value);
        assert.ok(error instanceof Error);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const { Attributes } = await pipeline.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: pipeline.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        assert.equal(
          Number(Attributes?.ApproximateNumberOfMessages),
          batch,
          'back in the queue after the visibility timeout',
        );
      });

      it(`${RUNTIME_CONFIG_ENV} ${name}: the error says ${code} and names the variable`, async () => {
        const { error } = await invokeWith(value);
        assert.ok(error instanceof SluiceError, String(error));
        assert.equal(error.code, code);
        assert.match(error.message, new RegExp(RUNTIME_CONFIG_ENV));
      });
    }
  });
});
