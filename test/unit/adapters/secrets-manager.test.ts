import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../../lambda/adapters/secrets-manager';
import { SluiceError } from '../../../lambda/core/errors';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hec-AbCdEf';

function fakeClient(values: (string | Error)[]) {
  let calls = 0;
  const client = {
    send: async () => {
      const value = values[Math.min(calls, values.length - 1)];
      calls += 1;
      if (value instanceof Error) throw value;
      return { SecretString: value };
    },
  } as unknown as SecretsManagerClient;
  return { client, calls: () => calls };
}

describe('secrets from Secrets Manager', () => {
  it('are read once and reused across invocations', async () => {
    const { client, calls } = fakeClient(['token-1']);
    const secrets = new SecretsManagerSecrets(client);
    const source = secrets.source(ARN);
    assert.equal(await source.get(), 'token-1');
    assert.equal(await secrets.source(ARN).get(), 'token-1');
    assert.equal(calls(), 1);
  });

  it('are re-read on refresh (after a 401/403, in case the secret was rotated)', async () => {
    const { client, calls } = fakeClient(['old', 'rotated']);
    const source = new SecretsManagerSecrets(client).source(ARN);
    assert.equal(await source.get(), 'old');
    assert.equal(await source.refresh(), 'rotated');
    assert.equal(await source.get(), 'rotated');
    assert.equal(calls(), 2);
  });

  it('are re-read after 15 minutes even without a refusal', async () => {
    let now = 0;
    const { client } = fakeClient(['a', 'b']);
    const source = new SecretsManagerSecrets(client, () => now).source(ARN);
    assert.equal(await source.get(), 'a');
    now = 15 * 60 * 1000;
    assert.equal(await source.get(), 'b');
  });

  it('fail with the ARN and the error name, never a value, and are retried on the next use', async () => {
    const denied = Object.assign(new Error('User is not authorized: secret value xyz'), {
      name: 'AccessDeniedException',
    });
    const { client } = fakeClient([denied, 'token']);
    const source = new SecretsManagerSecrets(client).source(ARN);
    await assert.rejects(source.get(), (error: SluiceError) => {
      assert.equal(error.code, 'SECRET_UNREADABLE');
      assert.equal(error.message, `cannot read secret ${ARN}: AccessDeniedException`);
      return true;
    });
    assert.equal(await source.get(), 'token');
  });

  it('say why when Secrets Manager cannot be reached: the network failure, not a bare "Error"', async () => {
    // What the SDK throws when nothing listens at the endpoint (it retried, never got an answer).
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3, totalRetryDelay: 91 },
    });
    const { client } = fakeClient([refused]);
    await assert.rejects(new SecretsManagerSecrets(client).source(ARN).get(), (error: SluiceError) => {
      assert.equal(error.code, 'SECRET_UNREADABLE');
      assert.match(
        error.message,
        /^cannot read secret .*: no answer from Secrets Manager \(connect ECONNREFUSED 10\.0\.0\.7:443\)\. Fix: /,
      );
      return true;
    });
  });

  it("name Secrets Manager's refusals by error name and HTTP status, never by their text", async () => {
    const missing = Object.assign(new Error("Secrets Manager can't find the specified secret value xyz"), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    const { client } = fakeClient([missing]);
    await assert.rejects(new SecretsManagerSecrets(client).source(ARN).get(), (error: SluiceError) => {
      assert.equal(error.message, `cannot read secret ${ARN}: ResourceNotFoundException (HTTP 400)`);
      return true;
    });
  });
});
