import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  elasticsearchDestination,
  httpsDestination,
  splunkHecDestination,
} from '../../../lambda/core/config/destinations';
import { SluiceError } from '../../../lambda/core/errors';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import { fakeSecret, makeRecord } from './fixtures';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dest';

describe('createSink', () => {
  const deps = { secret: () => fakeSecret('t') };

  it('builds each kind of sink with the configured batch limits', () => {
    const hec = createSink(
      splunkHecDestination.parse({
        type: 'splunk-hec',
        name: 'splunk',
        url: 'https://s:8088',
        tokenSecretArn: ARN,
      }),
      deps,
    );
    assert.equal(hec.name, 'splunk');
    assert.equal(hec.maxBatchBytes, 1_000_000);
    assert.equal(hec.maxBatchRecords, 10_000);
    assert.ok(hec.encodedSize(makeRecord()) > makeRecord().json.length);

    const es = createSink(
      elasticsearchDestination.parse({
        type: 'elasticsearch',
        name: 'es',
        url: 'https://es:9200',
        auth: { type: 'api-key', secretArn: ARN },
        maxBatchRecords: 100,
      }),
      deps,
    );
    assert.equal(es.maxBatchRecords, 100);

    const https = createSink(httpsDestination.parse({ type: 'https', name: 'c', url: 'https://c/in' }), deps);
    assert.equal(https.encodedSize(makeRecord({}, { json: '{"a":1}' })), 8);
    for (const sink of [hec, es, https]) sink.close?.();
  });

  it('refuses a SigV4 destination without a signer', () => {
    const config = elasticsearchDestination.parse({
      type: 'elasticsearch',
      name: 'os',
      url: 'https://search.example.com',
      auth: {
        type: 'sigv4',
        region: 'eu-west-1',
        resourceArn: 'arn:aws:es:eu-west-1:123456789012:domain/logs',
      },
    });
    assert.throws(
      () => createSink(config, deps),
      (error: unknown) => error instanceof SluiceError && error.code === 'DESTINATION_AUTH_UNAVAILABLE',
    );
  });
});
