import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { prepareRequest } from '../../../lambda/core/ingest/prepare';
import {
  MAX_BATCH_ENTRIES,
  messageBytes,
  packBatches,
  packMessages,
  sqsSafe,
} from '../../../lambda/core/ingest/queue-messages';

describe('messageBytes', () => {
  it("counts the body and the logType attribute's name, type and value, in UTF-8 bytes", () => {
    assert.equal(
      messageBytes('{"s":"€"}', 'audit'),
      11 + 'logType'.length + 'String'.length + 'audit'.length,
    );
  });
});

describe('packMessages', () => {
  it('packs consecutive events of a log type into one NDJSON message', () => {
    const messages = packMessages(
      [
        { logType: 'a', line: '{"n":1}' },
        { logType: 'b', line: '{"n":2}' },
        { logType: 'a', line: '{"n":3}' },
      ],
      256 * 1024,
    );
    assert.deepEqual(messages, [
      { logType: 'a', body: '{"n":1}\n{"n":3}', eventIndexes: [0, 2] },
      { logType: 'b', body: '{"n":2}', eventIndexes: [1] },
    ]);
  });

  it('starts a new message before one would exceed the limit', () => {
    const line = `{"p":"${'x'.repeat(90)}"}`; // 98 bytes
    const limit = messageBytes(`${line}\n${line}`, 'a');
    const messages = packMessages(
      Array.from({ length: 5 }, () => ({ logType: 'a', line })),
      limit,
    );
    assert.deepEqual(
      messages.map((message) => message.eventIndexes),
      [[0, 1], [2, 3], [4]],
    );
    for (const message of messages) assert.ok(messageBytes(message.body, message.logType) <= limit);
  });

  it('loses nothing and keeps order, whatever the sizes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            logType: fc.constantFrom('a', 'bb'),
            line: fc.string({ minLength: 1, maxLength: 50 }),
          }),
          {
            maxLength: 100,
          },
        ),
        fc.integer({ min: 80, max: 500 }),
        (events, limit) => {
          const messages = packMessages(events, limit);
          for (const logType of ['a', 'bb']) {
            assert.deepEqual(
              messages
                .filter((message) => message.logType === logType)
                .flatMap((message) => message.body.split('\n')),
              events.filter((event) => event.logType === logType).map((event) => event.line),
            );
          }
          for (const message of messages) {
            assert.ok(
              messageBytes(message.body, message.logType) <= limit || message.eventIndexes.length === 1,
            );
          }
        },
      ),
    );
  });
});

describe('packBatches', () => {
  const message = (bytes: number) => ({ logType: 'a', body: 'x'.repeat(bytes), eventIndexes: [0] });

  it('puts at most 10 messages in a SendMessageBatch call', () => {
    const batches = packBatches(
      Array.from({ length: 25 }, () => message(10)),
      256 * 1024,
    );
    assert.equal(MAX_BATCH_ENTRIES, 10);
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [10, 10, 5],
    );
  });

  it('keeps the total of a call within the batch byte limit', () => {
    const size = messageBytes('x'.repeat(100_000), 'a');
    const batches = packBatches(
      Array.from({ length: 5 }, () => message(100_000)),
      2 * size,
    );
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [2, 2, 1],
    );
  });
});

describe('sqsSafe', () => {
  it('escapes the characters SQS refuses and leaves the JSON value the same', () => {
    const line = '{"s":"a\uFFFFb\uFFFE"}';
    assert.equal(sqsSafe(line), '{"s":"a\\uFFFFb\\uFFFE"}');
    assert.deepEqual(JSON.parse(sqsSafe(line)), JSON.parse(line));
    assert.equal(sqsSafe('{"s":"plain é"}'), '{"s":"plain é"}');
  });
});

describe('prepareRequest', () => {
  const policy = { defaultLogType: 'app', maxMessageBytes: 1024 };

  it('routes every event and keeps its text', () => {
    assert.deepEqual(prepareRequest('{"logType":"audit","a":1}\n{"b":2}', 'json', policy), {
      events: [
        { logType: 'audit', line: '{"logType":"audit","a":1}' },
        { logType: 'app', line: '{"b":2}' },
      ],
    });
  });

  it('stops at the first event with a bad log type, naming its index', () => {
    const prepared = prepareRequest('{"a":1}\n{"logType":"a/b"}\n{"c":3}', 'json', policy);
    assert.equal(prepared.events.length, 1);
    assert.deepEqual([prepared.rejection?.index, prepared.rejection?.code], [1, 'LOG_TYPE_INVALID']);
  });

  it('refuses an event that cannot fit in one queue message with EVENT_TOO_LARGE', () => {
    const prepared = prepareRequest(`{"a":1}\n{"p":"${'x'.repeat(2000)}"}`, 'json', policy);
    assert.deepEqual(
      [prepared.events.length, prepared.rejection?.index, prepared.rejection?.code],
      [1, 1, 'EVENT_TOO_LARGE'],
    );
  });

  it('passes a parse rejection through after the events before it', () => {
    const prepared = prepareRequest('{"event":{"a":1}}\n{"nope":1}', 'hec', policy);
    assert.deepEqual(prepared.events, [{ logType: 'app', line: '{"a":1}' }]);
    assert.equal(prepared.rejection?.code, 'HEC_EVENT_MISSING');
  });
});
