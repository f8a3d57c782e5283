import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { sentinelDestination } from '../../../../lambda/core/config/destinations';
import type { HttpRequest, HttpResult, HttpTransport } from '../../../../lambda/core/http/client';
import { NetworkError } from '../../../../lambda/core/http/errors';
import { createSink } from '../../../../lambda/core/sinks/create-sink';
import { context, fakeSecret, instantSleep, makeRecord, makeRecords, recordingObserver } from '../fixtures';

const DCR = 'dcr-00112233445566778899aabbccddeeff';
const config = (extra: Record<string, unknown> = {}) =>
  sentinelDestination.parse({
    type: 'sentinel',
    name: 'sentinel',
    endpoint: 'https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com',
    dcrImmutableId: DCR,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/sentinel',
    gzip: false,
    ...extra,
  });

type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | 'network';

/**
 * Entra ID and the ingestion endpoint behind one fake transport: each answers from its script (then
 * grants a token / answers 204), and every request is recorded.
 */
function azure(script: { token?: Scripted[]; ingest?: Scripted[] } = {}) {
  const tokenScript = [...(script.token ?? [])];
  const ingestScript = [...(script.ingest ?? [])];
  const ingested: { url: URL; authorization: string; body: string }[] = [];
  let issued = 0;
  const answer = (next: Scripted): HttpResult =>
    next === 'network'
      ? {
          ok: false,
          error: new NetworkError('reset', 'socket hang up'),
        }
      : {
          ok: true,
          response: {
            status: next.status,
            headers: next.headers ?? {},
            body: next.body === undefined ? '' : JSON.stringify(next.body),
          },
        };
  const transport: HttpTransport = {
    async request(request: HttpRequest) {
      if (request.url.host === 'login.microsoftonline.com') {
        return answer(
          tokenScript.shift() ?? {
            status: 200,
            body: { token_type: 'Bearer', expires_in: 3599, access_token: `token-${++issued}` },
          },
        );
      }
      const raw = Buffer.from(request.body);
      ingested.push({
        url: request.url,
        authorization: request.headers.authorization,
        body: (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
      });
      // The API's limit, before any script: 1 MB per call, compressed or not.
      if (raw.length > 1_048_576 || ingested.at(-1)!.body.length > 1_048_576) {
        return answer({
          status: 413,
          body: {
            error: {
              code: 'ContentLengthLimitExceeded',
              message: 'Maximum allowed content length: 1048576 bytes (1 MB).',
            },
          },
        });
      }
      return answer(ingestScript.shift() ?? { status: 204 });
    },
  };
  return { transport, ingested, tokensIssued: () => issued };
}

const sinkFor = (
  transport: HttpTransport,
  extra: Record<string, unknown> = {},
  secret = fakeSecret('s3cr3t'),
) => createSink(config(extra), { secret: () => secret, transport: () => transport, ...instantSleep() });

describe('Sentinel sink (Logs Ingestion API)', () => {
  it('posts each log type to its DCR stream with a bearer token, one token for every batch', async () => {
    const fake = azure();
    const sink = sinkFor(fake.transport, { gzip: true, streamByLogType: { queries: 'Custom-SdmQueries' } });
    const activities = makeRecords(3, 'activities');
    const queries = makeRecords(2, 'queries');
    // One batch with two log types (the CLI can mix them): one call per stream.
    const outcome = await sink.deliver([...activities, ...queries], context());
    assert.equal(outcome.delivered.length, 5);
    assert.equal(outcome.failure, undefined);
    assert.deepEqual(fake.ingested.map((call) => call.url.href).sort(), [
      `https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com/dataCollectionRules/${DCR}/streams/Custom-SdmQueries?api-version=2023-01-01`,
      `https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com/dataCollectionRules/${DCR}/streams/Custom-strongdm_activities?api-version=2023-01-01`,
    ]);
    assert.ok(fake.ingested.every((call) => call.authorization === 'Bearer token-1'));
    const rows = fake.ingested.flatMap((call) => JSON.parse(call.body) as { TimeGenerated: string }[]);
    assert.equal(rows.length, 5);
    assert.ok(rows.every((row) => row.TimeGenerated === '2024-02-01T18:50:04.7829606Z'));
    await sink.deliver(makeRecords(2), context());
    assert.equal(fake.tokensIssued(), 1);
  });

  it('401: asks for a new token and resends once', async () => {
    const fake = azure({
      ingest: [{ status: 401, body: { error: { code: 'ExpiredAuthenticationToken', message: 'expired' } } }],
    });
    const outcome = await sinkFor(fake.transport).deliver(makeRecords(2), context());
    assert.equal(outcome.delivered.length, 2);
    assert.deepEqual(
      fake.ingested.map((call) => call.authorization),
      ['Bearer token-1', 'Bearer token-2'],
    );
  });

  it('401 again with a new token: the batch fails with DESTINATION_AUTH_FAILED and counts an auth failure', async () => {
    const refused = {
      status: 401,
      body: { error: { code: 'InvalidAuthenticationToken', message: 'invalid' } },
    };
    const fake = azure({ ingest: [refused, refused] });
    const observer = recordingObserver();
    const outcome = await sinkFor(fake.transport).deliver(makeRecords(2), context(observer));
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_FAILED');
    assert.equal(outcome.failed.length, 2);
    assert.deepEqual(observer.authFailures, [401]);
  });

  it('Entra ID refusing the secret fails the batch (DESTINATION_AUTH_FAILED) and counts an auth failure', async () => {
    const invalidClient = {
      status: 401,
      body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' },
    };
    const fake = azure({ token: [invalidClient, invalidClient] });
    const secret = fakeSecret('expired-secret');
    const observer = recordingObserver();
    const outcome = await sinkFor(fake.transport, {}, secret).deliver(makeRecords(2), context(observer));
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_FAILED');
    assert.match(outcome.failure?.message ?? '', /AADSTS7000215/);
    assert.doesNotMatch(outcome.failure?.message ?? '', /expired-secret/);
    assert.equal(outcome.failed.length, 2);
    assert.equal(secret.refreshes, 1, 'the secret was re-read once');
    assert.deepEqual(observer.authFailures, [401]);
    assert.equal(fake.ingested.length, 0, 'nothing was sent without a token');
  });

  it('Entra ID busy or unreachable: backs off and retries like a busy destination', async () => {
    const fake = azure({ token: [{ status: 503, body: { error: 'temporarily_unavailable' } }, 'network'] });
    const observer = recordingObserver();
    const outcome = await sinkFor(fake.transport).deliver(makeRecords(2), context(observer));
    assert.equal(outcome.delivered.length, 2);
    assert.equal(observer.retries.length, 2);
    assert.match(
      observer.retries[0].reason,
      /no token from Entra ID \(login\.microsoftonline\.com\): HTTP 503 temporarily_unavailable/,
    );
  });

  it('429 honours Retry-After before resending', async () => {
    const fake = azure({
      ingest: [
        {
          status: 429,
          body: { error: { code: 'TooManyRequests', message: 'slow down' } },
          headers: { 'retry-after': '7' },
        },
      ],
    });
    const sleep = instantSleep();
    const outcome = await createSink(config(), {
      secret: () => fakeSecret('s'),
      transport: () => fake.transport,
      ...sleep,
    }).deliver(makeRecords(2), context());
    assert.equal(outcome.delivered.length, 2);
    assert.ok(sleep.delays[0] >= 7_000, `waited ${sleep.delays[0]} ms`);
  });

  it('quarantines a record above the API’s 1 MB per call without sending it, and delivers the rest', async () => {
    const fake = azure();
    // 1,048,560 bytes of record: below the limit alone, above it with its TimeGenerated column.
    const padding = 'x'.repeat(1_048_560 - JSON.stringify({ id: 'huge', padding: '' }).length);
    const huge = makeRecord({ id: 'huge', padding }, { offset: 50 });
    assert.equal(huge.bytes.length, 1_048_560);
    const [first, second] = makeRecords(2);
    const outcome = await sinkFor(fake.transport, { gzip: true }).deliver([first, huge, second], context());
    assert.deepEqual(
      outcome.rejected.map(({ record, code }) => [record.id, code]),
      [['huge', 'SENTINEL_RECORD_TOO_LARGE']],
    );
    assert.match(outcome.rejected[0].reason, /1048609 bytes as sent .*at most 1048576 bytes per call/);
    assert.deepEqual(
      outcome.delivered.map((record) => record.id),
      ['rec-0', 'rec-1'],
    );
    assert.equal(fake.ingested.length, 1, 'one call, without the record that cannot fit any call');
    assert.ok(fake.ingested.every((call) => call.body.length <= 1_048_576));
  });
});
