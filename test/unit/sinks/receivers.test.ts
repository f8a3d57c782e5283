import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  parseStackedJson,
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';

/** The receivers must answer like the real servers: these pin the answers the sinks rely on. */
describe('test receivers', () => {
  describe('parseStackedJson', () => {
    it('reads one-per-line, concatenated and pretty-printed objects', () => {
      const parsed = parseStackedJson('{"a":1}{"b":2}\n{\n  "c": [1, {"d": "}{"}]\n}  ');
      assert.deepEqual(
        parsed.values.map((value) => value.value),
        [{ a: 1 }, { b: 2 }, { c: [1, { d: '}{' }] }],
      );
      assert.equal(parsed.error, undefined);
    });

    it('reports the position of the first malformed value and keeps the ones before it', () => {
      const parsed = parseStackedJson('{"a":1}\n{"b":2}\n{"c":}\n{"d":4}\n');
      assert.equal(parsed.values.length, 2);
      assert.equal(parsed.error?.index, 2);
    });
  });

  describe('HEC receiver', () => {
    let hec: HecReceiver;
    before(async () => {
      hec = await startHecReceiver({ token: 'tok', indexes: ['main'] });
    });
    after(() => hec.close());

    const post = (body: string | Buffer, headers: Record<string, string> = { authorization: 'Splunk tok' }) =>
      fetch(`${hec.url}/services/collector/event`, { method: 'POST', body, headers }).then(
        async (response) => ({
          status: response.status,
          body: (await response.json()) as unknown,
        }),
      );

    it('answers auth failures with HEC codes', async () => {
      assert.deepEqual(await post('{"event":1}', {}), {
        status: 401,
        body: { text: 'Token is required', code: 2 },
      });
      assert.deepEqual(await post('{"event":1}', { authorization: 'Bearer tok' }), {
        status: 401,
        body: { text: 'Invalid authorization', code: 3 },
      });
      assert.deepEqual(await post('{"event":1}', { authorization: 'Splunk nope' }), {
        status: 403,
        body: { text: 'Invalid token', code: 4 },
      });
    });

    it('indexes the events before a bad one and names it', async () => {
      hec.clear();
      const result = await post('{"event":"a"}\n{"event":"b"}\n{"time":1}\n{"event":"d"}');
      assert.deepEqual(result, {
        status: 400,
        body: { text: 'Event field is required', code: 12, 'invalid-event-number': 2 },
      });
      assert.deepEqual(
        hec.events.map((event) => event.event),
        ['a', 'b'],
      );
      const wrongIndex = await post('{"event":"x","index":"other"}');
      assert.deepEqual(wrongIndex.body, { text: 'Incorrect index', code: 7, 'invalid-event-number': 0 });
      assert.deepEqual((await post('')).body, { text: 'No data', code: 5 });
    });

    it('accepts gzip bodies and answers Success', async () => {
      hec.clear();
      const result = await post(gzipSync('{"event":{"x":1}}{"event":"y"}'), {
        authorization: 'Splunk tok',
        'content-encoding': 'gzip',
      });
      assert.deepEqual(result, { status: 200, body: { text: 'Success', code: 0 } });
      assert.equal(hec.events.length, 2);
    });

    it('plays programmed faults in order', async () => {
      hec.injectFaults('busy', 'error');
      assert.deepEqual(await post('{"event":1}'), { status: 503, body: { text: 'Server is busy', code: 9 } });
      assert.deepEqual(await post('{"event":1}'), {
        status: 500,
        body: { text: 'Internal server error', code: 8 },
      });
      assert.equal((await post('{"event":1}')).status, 200);
    });
  });

  describe('bulk receiver', () => {
    let bulk: BulkReceiver;
    before(async () => {
      bulk = await startBulkReceiver();
    });
    after(() => bulk.close());

    const post = (body: string, path = '/_bulk') =>
      fetch(`${bulk.url}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));

    it('creates new ids (201) and answers 409 version_conflict for existing ones', async () => {
      const body =
        '{"create":{"_index":"i","_id":"1"}}\n{"a":1}\n{"create":{"_index":"i","_id":"2"}}\n{"a":2}\n';
      const first = await post(body);
      assert.equal(first.body.errors, false);
      const second = await post(body);
      assert.equal(second.body.errors, true);
      const items = second.body.items as Array<{ create: { status: number; error: { type: string } } }>;
      assert.deepEqual(
        items.map((item) => [item.create.status, item.create.error.type]),
        [
          [409, 'version_conflict_engine_exception'],
          [409, 'version_conflict_engine_exception'],
        ],
      );
      assert.equal(bulk.counters.duplicates, 2);
      assert.deepEqual(bulk.document('i', '1'), { a: 1 });
    });

    it('requires the final newline and well-formed action lines', async () => {
      const unterminated = await post('{"create":{"_index":"i","_id":"9"}}\n{"a":1}');
      assert.equal(unterminated.status, 400);
      assert.match(JSON.stringify(unterminated.body), /terminated by a newline/);
      assert.equal((await post('nope\n{}\n')).status, 400);
    });

    it('reports unparseable sources per item, and honours filter_path', async () => {
      const result = await post(
        '{"create":{"_index":"j","_id":"1"}}\n{"a":\n{"create":{"_index":"j","_id":"2"}}\n{"a":2}\n',
        '/_bulk?filter_path=errors,items.*.status,items.*.error',
      );
      assert.equal(result.body.took, undefined);
      const items = result.body.items as Array<{ create: Record<string, unknown> }>;
      assert.equal(items[0].create.status, 400);
      assert.equal((items[0].create.error as { type: string }).type, 'mapper_parsing_exception');
      assert.deepEqual(items[1], { create: { status: 201 } });
    });
  });
});
