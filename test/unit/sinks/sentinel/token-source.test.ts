import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../../lambda/core/errors';
import type { HttpRequest, HttpResult, HttpTransport } from '../../../../lambda/core/http/client';
import { NetworkError } from '../../../../lambda/core/http/errors';
import { createEntraTokenSource } from '../../../../lambda/core/sinks/sentinel/token-source';
import { tokenUrl } from '../../../../lambda/core/sinks/sentinel/url';
import type { SecretSource } from '../../../../lambda/core/sinks/types';
import { fakeSecret } from '../fixtures';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SECRET = 'Xy8Q~not-a-real-secret.value';

type Answer = { status: number; body: unknown } | 'network';

/** A token endpoint scripted answer by answer (then granting), recording every request's form. */
function tokenEndpoint(...script: Answer[]) {
  const forms: Record<string, string>[] = [];
  const timeouts: number[] = [];
  let issued = 0;
  const transport: HttpTransport = {
    async request(request: HttpRequest): Promise<HttpResult> {
      forms.push(Object.fromEntries(new URLSearchParams(Buffer.from(request.body).toString('utf8'))));
      timeouts.push(request.timeoutMs);
      assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(request.url.href, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
      const next = script.shift() ?? {
        status: 200,
        body: { token_type: 'Bearer', expires_in: 3599, access_token: `token-${++issued}` },
      };
      if (next === 'network') return { ok: false, error: new NetworkError('reset', 'socket hang up') };
      return { ok: true, response: { status: next.status, headers: {}, body: JSON.stringify(next.body) } };
    },
  };
  return { transport, forms, timeouts };
}

function clock(start = 1_700_000_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

function source(transport: HttpTransport, secret: SecretSource = fakeSecret(SECRET), now = clock().now) {
  return createEntraTokenSource({
    transport,
    request: {
      url: tokenUrl('https://login.microsoftonline.com', TENANT),
      clientId: CLIENT,
      scope: 'https://monitor.azure.com/.default',
    },
    tenantId: TENANT,
    secret,
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/sentinel',
    requestTimeoutMs: 30_000,
    now,
  });
}

const invalidClient = {
  status: 401,
  body: {
    error: 'invalid_client',
    error_description:
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '0a1b'.\r\nTrace ID: 1 Correlation ID: 2 Timestamp: 2024-02-01 18:50:04Z",
    error_codes: [7000215],
  },
};

async function refusal(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => assert.fail('expected a refusal'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SluiceError, String(error));
  return error;
}

describe('Entra ID token source (client credentials)', () => {
  it('asks with the client-credentials form for the Monitor scope', async () => {
    const endpoint = tokenEndpoint();
    assert.equal(await source(endpoint.transport).token(), 'token-1');
    assert.deepEqual(endpoint.forms, [
      {
        client_id: CLIENT,
        client_secret: SECRET,
        grant_type: 'client_credentials',
        scope: 'https://monitor.azure.com/.default',
      },
    ]);
  });

  it('serves one token to every batch until shortly before it expires, then asks again', async () => {
    const endpoint = tokenEndpoint();
    const time = clock();
    const tokens = source(endpoint.transport, fakeSecret(SECRET), time.now);
    // Concurrent batches share one request.
    assert.deepEqual(await Promise.all([tokens.token(), tokens.token(), tokens.token()]), [
      'token-1',
      'token-1',
      'token-1',
    ]);
    time.advance(54 * 60 * 1000);
    assert.equal(await tokens.token(), 'token-1', '54 minutes into a 60-minute token');
    time.advance(60 * 1000);
    assert.equal(await tokens.token(), 'token-2', 'renewed 5 minutes before it expires');
    assert.equal(endpoint.forms.length, 2);
  });

  it('renews at half the life of a short-lived token', async () => {
    const endpoint = tokenEndpoint({ status: 200, body: { access_token: 'short', expires_in: '120' } });
    const time = clock();
    const tokens = source(endpoint.transport, fakeSecret(SECRET), time.now);
    assert.equal(await tokens.token(), 'short', 'expires_in as a string (v1.0 endpoints) is read too');
    time.advance(59_000);
    assert.equal(await tokens.token(), 'short');
    time.advance(1_000);
    assert.equal(await tokens.token(), 'token-1');
  });

  it('renew() drops the token the API refused', async () => {
    const endpoint = tokenEndpoint();
    const tokens = source(endpoint.transport);
    assert.equal(await tokens.token(), 'token-1');
    tokens.renew();
    assert.equal(await tokens.token(), 'token-2');
  });

  it('re-reads a refused secret once (it may have been rotated) and asks again', async () => {
    const endpoint = tokenEndpoint(invalidClient);
    const secret = fakeSecret('old-secret');
    secret.value = SECRET;
    assert.equal(await source(endpoint.transport, secret).token(), 'token-1');
    assert.equal(secret.refreshes, 1);
    assert.deepEqual(
      endpoint.forms.map((form) => form.client_secret),
      ['old-secret', SECRET],
    );
  });

  it('a refused secret fails with DESTINATION_AUTH_FAILED, Entra’s reason and the fix, never the secret', async () => {
    const endpoint = tokenEndpoint(invalidClient);
    const error = await refusal(source(endpoint.transport).token());
    assert.equal(error.code, 'DESTINATION_AUTH_FAILED');
    assert.equal(error.context.status, 401);
    assert.match(error.message, /HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided\./);
    assert.match(
      error.message,
      /Fix: store the client secret's Value \(not its Secret ID\) in arn:aws:secretsmanager:/,
    );
    assert.doesNotMatch(error.message, /Trace ID/);
    assert.ok(!JSON.stringify({ message: error.message, context: error.context }).includes(SECRET));
    assert.equal(endpoint.forms.length, 1, 'the re-read secret was the same: not asked twice');
  });

  it('repeats a refusal for a minute while the secret is unchanged, without asking Entra ID again', async () => {
    const endpoint = tokenEndpoint(invalidClient, invalidClient);
    const time = clock();
    const secret = fakeSecret(SECRET);
    const tokens = source(endpoint.transport, secret, time.now);
    await refusal(tokens.token());
    await refusal(tokens.token());
    time.advance(59_000);
    await refusal(tokens.token());
    assert.equal(endpoint.forms.length, 1);
    time.advance(2_000);
    await refusal(tokens.token());
    assert.equal(endpoint.forms.length, 2, 'asked again after a minute');
    // A new secret is tried at once.
    secret.value = 'rotated';
    await secret.refresh();
    assert.equal(await tokens.token(), 'token-1');
  });

  it('a wrong tenant or app fails with the fix naming them', async () => {
    const endpoint = tokenEndpoint({
      status: 400,
      body: {
        error: 'unauthorized_client',
        error_description:
          "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.",
      },
    });
    const error = await refusal(source(endpoint.transport).token());
    assert.equal(error.code, 'DESTINATION_AUTH_FAILED');
    assert.match(error.message, /AADSTS700016.*Fix: check tenantId 72f988bf-.*, clientId 0a1b2c3d-/);
  });

  it('no answer, 429 or 5xx: a retryable DESTINATION_AUTH_UNAVAILABLE', async () => {
    for (const answer of [
      'network',
      { status: 503, body: { error: 'temporarily_unavailable' } },
      { status: 429, body: {} },
    ] as Answer[]) {
      const error = await refusal(source(tokenEndpoint(answer).transport).token());
      assert.equal(error.code, 'DESTINATION_AUTH_UNAVAILABLE');
      assert.equal(error.context.retryable, true);
    }
    const noToken = await refusal(
      source(tokenEndpoint({ status: 200, body: { token_type: 'Bearer' } }).transport).token(),
    );
    assert.equal(noToken.context.retryable, true);
  });

  it('keeps the token in hand while renewing it early fails for now; not after renew()', async () => {
    const endpoint = tokenEndpoint(
      { status: 200, body: { access_token: 'first', expires_in: 3600 } },
      'network',
      'network',
    );
    const time = clock();
    const tokens = source(endpoint.transport, fakeSecret(SECRET), time.now);
    assert.equal(await tokens.token(), 'first');
    time.advance(56 * 60 * 1000);
    assert.equal(await tokens.token(), 'first', 'Entra ID unreachable, the token still valid');
    tokens.renew();
    await refusal(tokens.token());
    assert.equal(await tokens.token(), 'token-1');
  });

  it('a token request ends by the deadline', async () => {
    const endpoint = tokenEndpoint();
    const time = clock();
    await source(endpoint.transport, fakeSecret(SECRET), time.now).token(time.now() + 4_000);
    assert.deepEqual(endpoint.timeouts, [4_000]);
  });

  it('a secret that cannot be read is the secret’s error, not Entra’s', async () => {
    const secret = {
      get: async () => Promise.reject(new Error('AccessDeniedException')),
      refresh: async () => '',
    };
    const error = await refusal(source(tokenEndpoint().transport, secret).token());
    assert.equal(error.code, 'DESTINATION_AUTH_UNAVAILABLE');
    assert.match(
      error.message,
      /client secret arn:aws:secretsmanager:.* cannot be read: AccessDeniedException/,
    );
  });
});
