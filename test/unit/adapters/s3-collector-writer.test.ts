import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3CollectorWriter } from '../../../lambda/adapters/s3-collector-writer';

const OBJECT = {
  key: 'cirrus/siem/2024/02/01/18/50/a.json',
  body: Buffer.from('{}\n'),
  records: 1,
  gzip: false,
};

/** An S3 error as the SDK throws it: its code as `name`, the HTTP status in `$metadata`. */
function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

function scriptedS3(...answers: (Error | 'ok')[]) {
  let calls = 0;
  const s3 = {
    send: async () => {
      const answer = answers[calls++];
      if (answer instanceof Error) throw answer;
      return {};
    },
  };
  return { s3: s3 as never, calls: () => calls };
}

const noWait = async () => {};

describe('writing a collected object once', () => {
  it('sends the put again while another conditional write of the key is in progress (409), then finds it written', async () => {
    const { s3, calls } = scriptedS3(
      s3Error('ConditionalRequestConflict', 409),
      s3Error('PreconditionFailed', 412),
    );
    assert.equal(await new S3CollectorWriter(s3, 'logs', noWait).put(OBJECT), 'exists');
    assert.equal(calls(), 2);
  });

  it('writes the object when the conflicting write went away', async () => {
    const { s3 } = scriptedS3(s3Error('ConditionalRequestConflict', 409), 'ok');
    assert.equal(await new S3CollectorWriter(s3, 'logs', noWait).put(OBJECT), 'written');
  });

  it('fails after three conflicts, and at once on any other error', async () => {
    const conflict = s3Error('ConditionalRequestConflict', 409);
    const stuck = scriptedS3(conflict, conflict, conflict, 'ok');
    await assert.rejects(new S3CollectorWriter(stuck.s3, 'logs', noWait).put(OBJECT), conflict);
    assert.equal(stuck.calls(), 3);
    const denied = s3Error('AccessDenied', 403);
    const refused = scriptedS3(denied, 'ok');
    await assert.rejects(new S3CollectorWriter(refused.s3, 'logs', noWait).put(OBJECT), denied);
    assert.equal(refused.calls(), 1);
  });
});
