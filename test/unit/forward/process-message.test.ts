import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../lambda/core/errors';
import { processMessage, type MessageDependencies } from '../../../lambda/core/forward/process-message';
import { parseMessage } from '../../../lambda/core/notifications/parse-message';
import { activities, MemoryObjects, MemoryQuarantine, ndjson, RecordingSink, strongdmSource } from './fakes';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/a.json';

/** An S3 notification; with several keys, the kind of message only a hand-built one is. */
function notification(...keys: string[]) {
  return JSON.stringify({
    Records: keys.map((key) => ({
      eventName: 'ObjectCreated:Put',
      eventTime: '2024-02-01T19:00:00Z',
      s3: {
        bucket: { name: 'acme-logs' },
        object: { key: encodeURIComponent(key), eTag: 'e', versionId: 'v1' },
      },
    })),
  });
}

function setup(objects: Record<string, Buffer>, sinks: RecordingSink[]) {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const sent: string[] = [];
  const deps: MessageDependencies = {
    sources: [strongdmSource],
    destinations: sinks.map((sink) => ({ sink, maxInFlight: 1 })),
    objects: new MemoryObjects(objects),
    quarantine: new MemoryQuarantine(),
    continuations: { send: async (bodies) => void sent.push(...bodies) },
    maxRecordBytes: 1 << 20,
    maxObjectBytes: 1 << 30,
    now: () => 0,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
    log: {
      info: (message, fields) => void lines.push({ level: 'info', message, fields }),
      warn: (message, fields) => void lines.push({ level: 'warn', message, fields }),
      error: (message, fields) => void lines.push({ level: 'error', message, fields }),
    },
  };
  return { deps, lines, sent };
}

describe('handling one queue message', () => {
  it('forwards the object a notification names', async () => {
    const sink = new RecordingSink('splunk');
    const { deps, lines } = setup({ [KEY]: ndjson(activities(2)) }, [sink]);
    await processMessage(notification(KEY), deps);
    assert.equal(sink.received.length, 2);
    assert.equal(sink.received[0].source, 'strongdm');
    assert.equal(sink.received[0].key, KEY);
    assert.ok(lines.some((line) => line.message === 'object forwarded' && line.fields?.records === 2));
  });

  it("logs the vendor's test object and the s3:TestEvent, and forwards neither", async () => {
    const sink = new RecordingSink('splunk');
    const { deps, lines } = setup({}, [sink]);
    await processMessage(notification('sdm/logs/test'), deps);
    await processMessage(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }), deps);
    assert.equal(sink.received.length, 0);
    assert.equal(lines.filter((line) => line.level === 'info').length, 2);
  });

  it('warns about keys outside every source and forwards nothing', async () => {
    const sink = new RecordingSink('splunk');
    const { deps, lines } = setup({}, [sink]);
    await processMessage(notification('elsewhere/x.json'), deps);
    assert.equal(sink.received.length, 0);
    assert.deepEqual(
      lines.map((line) => [line.level, line.fields?.key]),
      [['warn', 'elsewhere/x.json']],
    );
  });

  it('fails a message it cannot understand, so that it ends in the DLQ', async () => {
    const { deps } = setup({}, []);
    await assert.rejects(
      processMessage('{"hello":1}', deps),
      (error: SluiceError) => error.code === 'MESSAGE_UNRECOGNIZED',
    );
  });

  it('logs an error and moves on when the object was deleted before it was read', async () => {
    const { deps, lines } = setup({}, [new RecordingSink('splunk')]);
    deps.objects.open = async () => {
      throw new SluiceError('OBJECT_NOT_FOUND', 'gone', { key: KEY });
    };
    await processMessage(notification(KEY), deps);
    assert.equal(lines.at(-1)?.level, 'error');
  });

  it('fails the message when no destination made progress (it retries, then reaches the DLQ)', async () => {
    const down = new RecordingSink('splunk');
    down.verdict = () => 'fail';
    const { deps, sent } = setup({ [KEY]: ndjson(activities(2)) }, [down]);
    await assert.rejects(processMessage(notification(KEY), deps), (error: SluiceError) => {
      assert.equal(error.code, 'DELIVERY_INCOMPLETE');
      assert.match(error.message, /splunk: TEST_DOWN/);
      return true;
    });
    assert.equal(sent.length, 0);
  });

  it('hands unfinished work to a continuation message when some destination moved forward', async () => {
    const healthy = new RecordingSink('splunk');
    const down = new RecordingSink('elastic');
    down.verdict = () => 'fail';
    const { deps, sent } = setup({ [KEY]: ndjson(activities(2)) }, [healthy, down]);
    await processMessage(notification(KEY), deps);
    assert.equal(sent.length, 1);
    const parsed = parseMessage(sent[0]);
    assert.equal(parsed.kind, 'objects');
    assert.deepEqual(parsed.kind === 'objects' && parsed.work[0].progress, { splunk: 'done', elastic: 0 });

    down.verdict = () => 'deliver';
    await processMessage(sent[0], deps);
    assert.equal(healthy.received.length, 2, 'the healthy destination is not sent the records again');
    assert.equal(down.received.length, 2);
  });
});

describe('a message whose work moved to a continuation', () => {
  it('is acknowledged at once, so a crash later in the batch cannot replay it beside its continuation', async () => {
    const healthy = new RecordingSink('splunk');
    const down = new RecordingSink('elastic');
    down.verdict = () => 'fail';
    const { deps, sent } = setup({ [KEY]: ndjson(activities(2)) }, [healthy, down]);
    let acknowledged = 0;
    await processMessage(notification(KEY), deps, { acknowledge: async () => void acknowledged++ });
    assert.equal(sent.length, 1);
    assert.equal(acknowledged, 1);
  });

  it('is not acknowledged when it completes normally (Lambda deletes it)', async () => {
    const { deps } = setup({ [KEY]: ndjson(activities(2)) }, [new RecordingSink('splunk')]);
    let acknowledged = 0;
    await processMessage(notification(KEY), deps, { acknowledge: async () => void acknowledged++ });
    assert.equal(acknowledged, 0);
  });
});

describe('a message that names several objects', () => {
  const OTHER = 'sdm/logs/activities/2024/02/01/18/50/b.json';

  it('becomes one message per object and is acknowledged, forwarding nothing itself', async () => {
    const sink = new RecordingSink('splunk');
    const { deps, sent, lines } = setup({ [KEY]: ndjson(activities(2)), [OTHER]: ndjson(activities(3)) }, [
      sink,
    ]);
    let acknowledged = 0;
    await processMessage(notification(KEY, OTHER), deps, { acknowledge: async () => void acknowledged++ });
    assert.equal(sink.received.length, 0);
    assert.equal(acknowledged, 1);
    assert.ok(lines.some((line) => line.message.includes('several objects')));
    const keys = sent.map((body) => {
      const parsed = parseMessage(body);
      assert.ok(parsed.kind === 'objects' && parsed.work.length === 1);
      return parsed.work[0].object.key;
    });
    assert.deepEqual(keys, [KEY, OTHER]);

    for (const body of [...sent]) await processMessage(body, deps);
    assert.equal(sink.received.length, 5, 'each object delivered once');
  });

  it('hands all its objects to the queue in one call, and stays unacknowledged when that call fails', async () => {
    const calls: (readonly string[])[] = [];
    const { deps } = setup({}, [new RecordingSink('splunk')]);
    const refused = new SluiceError('CONTINUATION_NOT_SENT', 'SQS refused 1 of 2 continuation message(s)');
    const failing: MessageDependencies = {
      ...deps,
      continuations: {
        send: async (bodies) => {
          calls.push(bodies);
          throw refused;
        },
      },
    };
    let acknowledged = 0;
    await assert.rejects(
      processMessage(notification(KEY, OTHER), failing, { acknowledge: async () => void acknowledged++ }),
      refused,
    );
    assert.equal(calls.length, 1, 'one call: sent one by one, a failure would leave earlier ones sent');
    assert.equal(calls[0].length, 2);
    assert.equal(acknowledged, 0);
  });

  it('retries only the object that failed: the one delivered is not sent again', async () => {
    const sink = new RecordingSink('splunk');
    const { deps, sent } = setup({ [KEY]: ndjson(activities(2)), [OTHER]: ndjson(activities(3)) }, [sink]);
    sink.verdict = (record) => (record.key === OTHER ? 'fail' : 'deliver');
    await processMessage(notification(KEY, OTHER), deps);
    const [first, second] = sent.splice(0);
    await processMessage(first, deps);
    await assert.rejects(
      processMessage(second, deps),
      (error: SluiceError) => error.code === 'DELIVERY_INCOMPLETE',
    );
    sink.verdict = () => 'deliver';
    await processMessage(second, deps);
    assert.deepEqual(
      sink.received.map((record) => record.key),
      [KEY, KEY, OTHER, OTHER, OTHER],
    );
  });
});
