import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  azureClock,
  MONITOR_AUDIENCE,
  startEntraTokenReceiver,
  startLogsIngestionReceiver,
  type EntraTokenReceiver,
  type LogsIngestionReceiver,
} from '../../../support/receivers';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER_CLIENT = '99999999-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const DCR = 'dcr-00112233445566778899aabbccddeeff';

/** The Azure side must answer like Entra ID and the Logs Ingestion API: these pin what the sink relies on. */
describe('Azure test receivers', () => {
  const clock = azureClock();
  let entra: EntraTokenReceiver;
  let ingestion: LogsIngestionReceiver;

  before(async () => {
    entra = await startEntraTokenReceiver({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: 'right',
      clock,
      otherApps: { [OTHER_CLIENT]: 'other' },
    });
    ingestion = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: ['Custom-strongdm_activities'],
      tokens: entra.verifier,
      publishers: [CLIENT],
    });
  });
  after(async () => Promise.all([entra.close(), ingestion.close()]));

  const askToken = async (form: Record<string, string>, tenant = TENANT) => {
    const response = await fetch(`${entra.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const grant = (overrides: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: CLIENT,
    client_secret: 'right',
    scope: 'https://monitor.azure.com/.default',
    ...overrides,
  });
  const tokenFor = async (overrides: Record<string, string> = {}) =>
    (await askToken(grant(overrides))).body.access_token as string;

  const upload = async (
    body: string | Buffer,
    options: { token?: string; stream?: string; dcr?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(
      `${ingestion.url}/dataCollectionRules/${options.dcr ?? DCR}/streams/${options.stream ?? 'Custom-strongdm_activities'}?api-version=2023-01-01`,
      { method: 'POST', headers, body },
    );
    const text = await response.text();
    return {
      status: response.status,
      code: response.headers.get('x-ms-error-code'),
      retryAfter: response.headers.get('retry-after'),
      body: text ? (JSON.parse(text) as { error: { code: string; message: string } }) : undefined,
    };
  };

  describe('Entra ID token endpoint', () => {
    it('grants a client-credentials token like Entra ID', async () => {
      const { status, body } = await askToken(grant());
      assert.equal(status, 200);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3599);
      assert.match(String(body.access_token), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    it('grants the same Monitor token for the scope written //.default (Microsoft’s examples)', async () => {
      const { status, body } = await askToken(grant({ scope: 'https://monitor.azure.com//.default' }));
      assert.equal(status, 200);
      assert.equal(entra.verifier.verify(String(body.access_token), MONITOR_AUDIENCE).ok, true);
    });

    it('refuses a wrong secret with 401 invalid_client (AADSTS7000215)', async () => {
      const { status, body } = await askToken(grant({ client_secret: 'wrong' }));
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(body.error_codes, [7000215]);
      assert.match(
        String(body.error_description),
        /^AADSTS7000215: Invalid client secret provided\..* Trace ID: /,
      );
    });

    it('refuses an unknown tenant, an unknown app and a scope without /.default with 400', async () => {
      assert.deepEqual(
        [
          await askToken(grant(), '00000000-0000-0000-0000-000000000000'),
          await askToken(grant({ client_id: '11111111-2222-3333-4444-555555555555' })),
          await askToken(grant({ scope: 'https://monitor.azure.com' })),
          await askToken(grant({ grant_type: 'password' })),
        ].map(({ status, body }) => [status, body.error, (body.error_codes as number[])[0]]),
        [
          [400, 'invalid_request', 90002],
          [400, 'unauthorized_client', 700016],
          [400, 'invalid_scope', 1002012],
          [400, 'unsupported_grant_type', 70003],
        ],
      );
    });
  });

  describe('Logs Ingestion endpoint', () => {
    it('stores the rows of a JSON array, gzip or not, and answers 204', async () => {
      ingestion.clear();
      const token = await tokenFor();
      assert.equal((await upload('[{"a":1},{"a":2}]', { token })).status, 204);
      const zipped = await upload(gzipSync('[{"a":3}]'), { token, headers: { 'content-encoding': 'gzip' } });
      assert.equal(zipped.status, 204);
      assert.deepEqual(ingestion.rows('Custom-strongdm_activities'), [{ a: 1 }, { a: 2 }, { a: 3 }]);
    });

    it('with store: false, counts the rows it accepts and keeps none (benchmarks)', async () => {
      const counting = await startLogsIngestionReceiver({
        dcrImmutableId: DCR,
        streams: ['Custom-strongdm_activities'],
        tokens: entra.verifier,
        store: false,
      });
      try {
        const response = await fetch(
          `${counting.url}/dataCollectionRules/${DCR}/streams/Custom-strongdm_activities?api-version=2023-01-01`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor()}` },
            body: '[{"a":1},{"a":2}]',
          },
        );
        assert.equal(response.status, 204);
        assert.equal(counting.counters.rows, 2);
        assert.deepEqual(counting.rows(), []);
      } finally {
        await counting.close();
      }
    });

    it('401 without a token, with a forged one, and with one that has expired', async () => {
      const token = await tokenFor();
      assert.equal((await upload('[]')).code, 'InvalidAuthenticationToken');
      assert.equal((await upload('[]', { token: `${token}x` })).code, 'InvalidAuthenticationToken');
      clock.advance(2 * 60 * 60 * 1000);
      const expired = await upload('[]', { token });
      assert.equal(expired.status, 401);
      assert.equal(expired.body?.error.code, 'ExpiredAuthenticationToken');
      assert.equal((await upload('[]', { token: await tokenFor() })).status, 204, 'a new token works');
    });

    it('404 for another DCR, 403 for an app without the role, 400 InvalidStream for an undeclared stream', async () => {
      const token = await tokenFor();
      assert.equal((await upload('[]', { token, dcr: 'dcr-ffffffffffffffffffffffffffffffff' })).status, 404);
      const forbidden = await upload('[]', {
        token: await tokenFor({ client_id: OTHER_CLIENT, client_secret: 'other' }),
      });
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.body?.error.message ?? '', /does not have access to ingest data/);
      const stream = await upload('[]', { token, stream: 'Custom-nope' });
      assert.deepEqual([stream.status, stream.code], [400, 'InvalidStream']);
    });

    it('413 ContentLengthLimitExceeded above 1 MB, as sent or decompressed', async () => {
      const token = await tokenFor();
      const big = `[${JSON.stringify({ text: 'x'.repeat(1_048_576) })}]`;
      const plain = await upload(big, { token });
      assert.deepEqual([plain.status, plain.code], [413, 'ContentLengthLimitExceeded']);
      assert.match(
        plain.body?.error.message ?? '',
        /^Maximum allowed content length: 1048576 bytes \(1 MB\)\./,
      );
      const zipped = await upload(gzipSync(big), { token, headers: { 'content-encoding': 'gzip' } });
      assert.equal(zipped.status, 413);
    });

    it('400 InvalidPayload for anything but a JSON array of objects', async () => {
      const token = await tokenFor();
      for (const body of ['{"a":1}', '[1]', 'not json'])
        assert.equal((await upload(body, { token })).code, 'InvalidPayload');
    });

    it('429 and 503 faults carry Retry-After', async () => {
      ingestion.injectFaults('throttle', 'unavailable');
      const throttled = await upload('[]');
      const unavailable = await upload('[]');
      assert.deepEqual(
        [throttled.status, throttled.retryAfter, throttled.code],
        [429, '1', 'TooManyRequests'],
      );
      assert.deepEqual([unavailable.status, unavailable.retryAfter], [503, '1']);
    });
  });
});
