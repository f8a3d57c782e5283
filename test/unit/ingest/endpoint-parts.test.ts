import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { QueueMessage } from '../../../lambda/core/ingest/queue-messages';
import { decodeBody } from '../../../lambda/ingest-endpoint/body-decoding';
import { readEndpointConfig } from '../../../lambda/ingest-endpoint/config';
import {
  enqueueAll,
  type QueueSender,
  type SendEntry,
  type SendFailure,
  sqsSender,
} from '../../../lambda/ingest-endpoint/enqueue';
import { secretTokenSource } from '../../../lambda/ingest-endpoint/token-source';

describe('decodeBody', () => {
  const ndjson = '{"a":1}\n{"b":"é"}\n';

  it('passes a text body through and decodes a base64 one', () => {
    assert.deepEqual(decodeBody(ndjson, false, undefined, 1024), { ok: true, text: ndjson });
    assert.deepEqual(decodeBody(Buffer.from(ndjson).toString('base64'), true, 'identity', 1024), {
      ok: true,
      text: ndjson,
    });
  });

  it('inflates a gzip body (Content-Encoding: gzip)', () => {
    const body = gzipSync(ndjson).toString('base64');
    assert.deepEqual(decodeBody(body, true, 'gzip', 1024), { ok: true, text: ndjson });
  });

  it('inflates every member of a gzip body, members after zero padding included', () => {
    const padded = Buffer.concat([
      gzipSync('{"a":1}\n'),
      Buffer.alloc(4),
      gzipSync('{"b":2}\n'),
      Buffer.alloc(2),
    ]);
    assert.deepEqual(decodeBody(padded.toString('base64'), true, 'gzip', 1024), {
      ok: true,
      text: '{"a":1}\n{"b":2}\n',
    });
    const junk = Buffer.concat([gzipSync('{"a":1}\n'), Buffer.alloc(4), Buffer.from('junk')]);
    assert.deepEqual(decodeBody(junk.toString('base64'), true, 'gzip', 1024), {
      ok: false,
      outcome: { kind: 'invalid-encoding' },
    });
    const exactlyTheLimit = Buffer.concat([gzipSync('abc'), Buffer.alloc(1), gzipSync('')]);
    assert.deepEqual(decodeBody(exactlyTheLimit.toString('base64'), true, 'gzip', 3), {
      ok: true,
      text: 'abc',
    });
    const twoMembers = Buffer.concat([gzipSync('x'.repeat(600)), Buffer.alloc(1), gzipSync('y'.repeat(600))]);
    assert.deepEqual(decodeBody(twoMembers.toString('base64'), true, 'gzip', 1024), {
      ok: false,
      outcome: { kind: 'body-too-large', limit: 1024 },
    });
  });

  it('refuses a body above the limit, measured after decompression (gzip bombs included)', () => {
    assert.deepEqual(decodeBody('x'.repeat(1025), false, undefined, 1024), {
      ok: false,
      outcome: { kind: 'body-too-large', limit: 1024 },
    });
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)).toString('base64');
    assert.deepEqual(decodeBody(bomb, true, 'gzip', 1024), {
      ok: false,
      outcome: { kind: 'body-too-large', limit: 1024 },
    });
  });

  it('inflates a gzip body passed as text one byte per character, and refuses one whose bytes were converted', () => {
    const gzipped = gzipSync(ndjson);
    assert.deepEqual(decodeBody(gzipped.toString('latin1'), false, 'gzip', 1024), { ok: true, text: ndjson });
    // Decoded as UTF-8 on the way, the invalid bytes became U+FFFD: no guess can restore them.
    assert.deepEqual(decodeBody(gzipped.toString('utf8'), false, 'gzip', 1024), {
      ok: false,
      outcome: { kind: 'compressed-body-as-text', encoding: 'gzip' },
    });
    assert.deepEqual(decodeBody('', false, 'gzip', 1024), { ok: true, text: '' });
  });

  it('refuses unknown content encodings, broken gzip and bytes that are not UTF-8', () => {
    assert.deepEqual(decodeBody('x', false, 'br', 1024), {
      ok: false,
      outcome: { kind: 'unsupported-encoding', encoding: 'br' },
    });
    assert.deepEqual(decodeBody(Buffer.from('not gzip').toString('base64'), true, 'gzip', 1024), {
      ok: false,
      outcome: { kind: 'invalid-encoding' },
    });
    assert.deepEqual(decodeBody(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), true, undefined, 1024), {
      ok: false,
      outcome: { kind: 'invalid-encoding' },
    });
  });
});

/** A SendMessageBatch stand-in that fails chosen entries on chosen calls. */
function scriptedSender(
  script: (call: number, entries: readonly SendEntry[]) => readonly SendFailure[] | Error,
) {
  const calls: string[][] = [];
  const sender: QueueSender = {
    async sendBatch(entries) {
      calls.push(entries.map((entry) => entry.message.body));
      const result = script(calls.length, entries);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { sender, calls };
}

const messages = (count: number): QueueMessage[] =>
  Array.from({ length: count }, (_, n) => ({ logType: 'a', body: `{"n":${n}}`, eventIndexes: [n] }));
const noSleep = async () => {};

describe('enqueueAll', () => {
  it('sends in calls of at most 10 messages and succeeds when SQS takes all', async () => {
    const { sender, calls } = scriptedSender(() => []);
    const result = await enqueueAll(messages(23), sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.deepEqual(result, {
      ok: true,
      eventsUnsent: 0,
      eventsBlocked: 0,
      queueFaults: [],
      refused: [],
      errors: [],
      deadlineReached: false,
    });
    assert.deepEqual(calls.map((call) => call.length).sort(), [10, 10, 3].sort());
  });

  it('retries only the entries that failed, and succeeds when the retry does', async () => {
    const { sender, calls } = scriptedSender((call, entries) =>
      call === 1 ? [{ id: entries[1].id, senderFault: false, code: 'InternalError' }] : [],
    );
    const result = await enqueueAll(messages(3), sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.equal(result.ok, true);
    assert.deepEqual(calls, [['{"n":0}', '{"n":1}', '{"n":2}'], ['{"n":1}']]);
  });

  it('retries a call that threw, with growing pauses', async () => {
    const pauses: number[] = [];
    const { sender, calls } = scriptedSender((call) => (call < 3 ? new Error('socket hang up') : []));
    const result = await enqueueAll(messages(2), sender, {
      maxBatchBytes: 256 * 1024,
      baseDelayMs: 10,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    assert.equal(result.ok, true);
    assert.equal(calls.length, 3);
    assert.deepEqual(pauses, [10, 20]);
  });

  it('fails when entries still fail after the last attempt', async () => {
    const { sender, calls } = scriptedSender((_, entries) =>
      entries.map((entry) => ({ id: entry.id, senderFault: false, code: 'ServiceUnavailable' })),
    );
    const result = await enqueueAll(messages(2), sender, {
      maxBatchBytes: 256 * 1024,
      attempts: 3,
      sleep: noSleep,
    });
    assert.deepEqual(result, {
      ok: false,
      eventsUnsent: 2,
      eventsBlocked: 0,
      queueFaults: [],
      refused: [],
      errors: ['ServiceUnavailable'],
      deadlineReached: false,
    });
    assert.equal(calls.length, 3);
  });

  it('does not retry an entry SQS refuses for its content', async () => {
    const { sender, calls } = scriptedSender((_, entries) => [
      { id: entries[0].id, senderFault: true, code: 'InvalidMessageContents' },
    ]);
    const result = await enqueueAll(messages(2), sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.deepEqual(result, {
      ok: false,
      eventsUnsent: 0,
      eventsBlocked: 0,
      queueFaults: [],
      refused: [{ index: 0, code: 'InvalidMessageContents' }],
      errors: ['InvalidMessageContents'],
      deadlineReached: false,
    });
    assert.equal(calls.length, 1);
  });
});

describe('enqueueAll: entries SQS refuses as the sender fault', () => {
  it('splits a refused message into one per event, so that only the refused events are reported', async () => {
    const message: QueueMessage = {
      logType: 'a',
      body: '{"n":0}\n{"bad":1}\n{"n":2}',
      eventIndexes: [0, 3, 5],
    };
    const { sender, calls } = scriptedSender((_, entries) =>
      entries
        .filter((entry) => entry.message.body.includes('bad'))
        .map((entry) => ({ id: entry.id, senderFault: true, code: 'InvalidMessageContents' })),
    );
    const result = await enqueueAll([message], sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.deepEqual(result, {
      ok: false,
      eventsUnsent: 0,
      eventsBlocked: 0,
      queueFaults: [],
      refused: [{ index: 3, code: 'InvalidMessageContents' }],
      errors: ['InvalidMessageContents'],
      deadlineReached: false,
    });
    assert.deepEqual(calls, [['{"n":0}\n{"bad":1}\n{"n":2}'], ['{"n":0}', '{"bad":1}', '{"n":2}']]);
  });
});

describe('enqueueAll: sender faults that are not about the content (key, policy, throttling)', () => {
  it('keeps the events unsent, neither refused nor split, and names the code', async () => {
    const message: QueueMessage = { logType: 'a', body: '{"n":0}\n{"n":1}', eventIndexes: [0, 1] };
    const { sender, calls } = scriptedSender((_, entries) =>
      entries.map((entry) => ({ id: entry.id, senderFault: true, code: 'KMS.DisabledException' })),
    );
    const result = await enqueueAll([message, ...messages(1)], sender, {
      maxBatchBytes: 256 * 1024,
      sleep: noSleep,
    });
    assert.deepEqual(result, {
      ok: false,
      eventsUnsent: 2 + 1,
      eventsBlocked: 2 + 1,
      queueFaults: ['KMS.DisabledException'],
      refused: [],
      errors: ['KMS.DisabledException'],
      deadlineReached: false,
    });
    // Retried like any failure that may pass (a throttled key recovers), never split per event.
    assert.deepEqual(
      calls.map((call) => call.length),
      [2, 2, 2],
    );
  });

  it("counts a whole call SQS refuses as the caller's fault, not a network failure", async () => {
    const keyDisabled = Object.assign(new Error('KMS.DisabledException'), {
      name: 'KmsDisabled',
      $fault: 'client',
    });
    const refusing = scriptedSender(() => keyDisabled);
    const result = await enqueueAll(messages(2), refusing.sender, {
      maxBatchBytes: 256 * 1024,
      sleep: noSleep,
    });
    assert.deepEqual(
      [result.eventsUnsent, result.eventsBlocked, result.queueFaults, result.refused, refusing.calls.length],
      [2, 2, ['KmsDisabled'], [], 3],
    );
    const unreachable = scriptedSender(() => new Error('socket hang up'));
    const offline = await enqueueAll(messages(2), unreachable.sender, {
      maxBatchBytes: 256 * 1024,
      sleep: noSleep,
    });
    assert.deepEqual([offline.eventsUnsent, offline.eventsBlocked, offline.queueFaults], [2, 0, []]);
  });

  it('counts nothing blocked once a retry queued the entry', async () => {
    const { sender } = scriptedSender((call, entries) =>
      call === 1 ? [{ id: entries[0].id, senderFault: true, code: 'KMS.ThrottlingException' }] : [],
    );
    const result = await enqueueAll(messages(2), sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.deepEqual([result.ok, result.eventsBlocked, result.queueFaults], [true, 0, []]);
  });

  it('refuses the content-faulted event and holds back the key-faulted one in the same batch', async () => {
    const { sender } = scriptedSender((_, entries) =>
      entries.map((entry) => ({
        id: entry.id,
        senderFault: true,
        code: entry.message.body === '{"n":0}' ? 'InvalidMessageContents' : 'AccessDenied',
      })),
    );
    const result = await enqueueAll(messages(2), sender, { maxBatchBytes: 256 * 1024, sleep: noSleep });
    assert.deepEqual(
      [result.refused, result.eventsUnsent, result.eventsBlocked, result.queueFaults],
      [[{ index: 0, code: 'InvalidMessageContents' }], 1, 1, ['AccessDenied']],
    );
  });
});

describe('sqsSender', () => {
  it('counts an entry as queued only when SQS lists it as successful', async () => {
    const client = {
      // SQS's answer shape; entry "1" is in neither list, and a failure names an Id that was not sent.
      send: async () => ({
        Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: 'x' }],
        Failed: [{ Id: 'unknown', SenderFault: false, Code: 'InternalError' }],
      }),
    };
    const sender = sqsSender(client as never, 'https://sqs.us-east-1.amazonaws.com/1/ingest');
    const failures = await sender.sendBatch(
      messages(2).map((message, index) => ({ id: String(index), message })),
    );
    assert.deepEqual(failures, [{ id: '1', senderFault: false, code: 'NotAcknowledged' }]);
  });
});

describe('secretTokenSource', () => {
  function fakeSecrets(values: (string | Error)[]) {
    const requests: unknown[] = [];
    const client = {
      send: async (command: GetSecretValueCommand) => {
        requests.push(command.input);
        const value = values[Math.min(requests.length - 1, values.length - 1)];
        if (value instanceof Error) throw value;
        return { SecretString: value };
      },
    };
    return { client: client as never, requests };
  }

  it('reads the secret once and reuses the token until the cache expires', async () => {
    let clock = 0;
    const { client, requests } = fakeSecrets([' token-1\n', 'token-2']);
    const token = secretTokenSource(client, 'arn:secret', 300, () => clock);
    assert.equal(await token.current(), 'token-1');
    clock = 299_999;
    assert.equal(await token.current(), 'token-1');
    assert.equal(requests.length, 1);
    assert.deepEqual(requests[0], { SecretId: 'arn:secret' });
    clock = 300_000;
    assert.equal(await token.current(), 'token-2');
  });

  it('shares one read between concurrent callers', async () => {
    const { client, requests } = fakeSecrets(['t']);
    const token = secretTokenSource(client, 'arn:secret', 300);
    assert.deepEqual(await Promise.all([token.current(), token.current(), token.reread()]), ['t', 't', 't']);
    assert.equal(requests.length, 1);
  });

  it('does not cache a failure, and refuses an empty secret', async () => {
    const { client } = fakeSecrets([new Error('throttled'), 'ok']);
    const token = secretTokenSource(client, 'arn:secret', 300);
    await assert.rejects(token.current(), /throttled/);
    assert.equal(await token.current(), 'ok');
    const empty = secretTokenSource(fakeSecrets(['  ']).client, 'arn:secret', 300);
    await assert.rejects(empty.current(), (error: { code?: string }) => error.code === 'INGEST_TOKEN_EMPTY');
  });
});

describe('secretTokenSource: re-reading the secret for a token that does not match', () => {
  function counted(values: (string | Error)[]) {
    let reads = 0;
    const client = {
      send: async () => {
        const value = values[Math.min(reads++, values.length - 1)];
        if (value instanceof Error) throw value;
        return { SecretString: value };
      },
    };
    return { client: client as never, reads: () => reads };
  }

  it('reads the rotated token at once, then at most once per 10 s however many requests ask', async () => {
    let clock = 0;
    const secrets = counted(['old', 'new', 'newer']);
    const token = secretTokenSource(secrets.client, 'arn:secret', 300, () => clock);
    assert.equal(await token.current(), 'old');
    // The cache filled at 0 s: a re-read before 10 s would only read what was just read.
    clock = 9_999;
    assert.equal(await token.reread(), undefined);
    clock = 10_000;
    assert.equal(await token.reread(), 'new');
    assert.equal(await token.current(), 'new', 'the re-read token replaces the cached one');
    for (clock = 10_000; clock < 20_000; clock += 100) assert.equal(await token.reread(), undefined);
    assert.equal(secrets.reads(), 2, 'a flood of wrong tokens within 10 s costs no read');
    clock = 20_000;
    assert.equal(await token.reread(), 'newer');
    assert.equal(secrets.reads(), 3);
  });

  it('counts a failed re-read too, and keeps the token cached before it', async () => {
    let clock = 0;
    const secrets = counted(['old', new Error('throttled'), 'new']);
    const token = secretTokenSource(secrets.client, 'arn:secret', 300, () => clock);
    assert.equal(await token.current(), 'old');
    clock = 10_000;
    await assert.rejects(token.reread(), /throttled/);
    assert.equal(await token.current(), 'old');
    clock = 19_999;
    assert.equal(await token.reread(), undefined, 'a failing secret is not asked again per request');
    clock = 20_000;
    assert.equal(await token.reread(), 'new');
  });

  it('re-reads after a read that the cache expiry caused, only 10 s later', async () => {
    let clock = 0;
    const secrets = counted(['a', 'b', 'c']);
    const token = secretTokenSource(secrets.client, 'arn:secret', 0, () => clock);
    assert.equal(await token.current(), 'a');
    assert.equal(await token.reread(), undefined);
    clock = 5_000;
    assert.equal(await token.current(), 'b', 'no cache: every request reads');
    assert.equal(await token.reread(), undefined);
    assert.equal(secrets.reads(), 2);
  });
});

describe('readEndpointConfig', () => {
  const env = {
    INGEST_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest',
    TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/ingest-AbCdEf',
  };

  it('applies the documented defaults', () => {
    assert.deepEqual(readEndpointConfig(env), {
      queueUrl: env.INGEST_QUEUE_URL,
      tokenSecretArn: env.TOKEN_SECRET_ARN,
      defaultLogType: undefined,
      allowedLogTypes: undefined,
      maxBodyBytes: 4 * 1024 * 1024,
      maxMessageBytes: 256 * 1024,
      tokenCacheSeconds: 300,
      functionTimeoutSeconds: undefined,
    });
    assert.equal(
      readEndpointConfig({ ...env, SLUICE_FUNCTION_TIMEOUT_SECONDS: '29' }).functionTimeoutSeconds,
      29,
    );
  });

  it('refuses a missing queue, a bad default log type, or a default outside the allowed set', () => {
    for (const bad of [
      { TOKEN_SECRET_ARN: env.TOKEN_SECRET_ARN },
      { ...env, DEFAULT_LOG_TYPE: 'a/b' },
      { ...env, DEFAULT_LOG_TYPE: 'app', ALLOWED_LOG_TYPES: 'audit' },
      { ...env, MAX_MESSAGE_BYTES: '2000000' },
      { ...env, SLUICE_FUNCTION_TIMEOUT_SECONDS: '4' },
      { ...env, SLUICE_FUNCTION_TIMEOUT_SECONDS: '30' },
    ]) {
      assert.throws(
        () => readEndpointConfig(bad),
        (error: { code?: string }) => error.code === 'INGEST_CONFIG_INVALID',
      );
    }
  });
});
