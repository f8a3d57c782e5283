import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHecEncoder } from '../../../../lambda/core/sinks/splunk-hec/encoder';
import { hecEventUrl } from '../../../../lambda/core/sinks/splunk-hec/url';
import { makeRecord } from '../fixtures';

describe('HEC encoder', () => {
  const record = makeRecord({ id: 'a1', type: 'user.login', n: 1.5 });

  it('wraps record.json verbatim, with nanosecond time as a number literal', () => {
    const encoder = createHecEncoder({ sourcetype: '{source}:{logType}' });
    assert.equal(
      encoder.event(record),
      '{"time":1706813404.782960647,"source":"s3://logs-bucket/sdm/activities/2024/02/01/18/50/0b1c.json","sourcetype":"strongdm:activities","event":{"id":"a1","type":"user.login","n":1.5}}',
    );
  });

  it('adds host and index when configured, in a fixed order', () => {
    const encoder = createHecEncoder({ host: 'sluice', index: 'audit', sourcetype: 'vendor:{logType}' });
    assert.equal(
      encoder.event(record),
      '{"time":1706813404.782960647,"host":"sluice","index":"audit","source":"s3://logs-bucket/sdm/activities/2024/02/01/18/50/0b1c.json","sourcetype":"vendor:activities","event":{"id":"a1","type":"user.login","n":1.5}}',
    );
  });

  it('does not touch the vendor text (no re-serialization)', () => {
    const json = '{"b":1,"a":"\\u00e9","big":12345678901234567890,"f":1.0}';
    const encoder = createHecEncoder({ sourcetype: 'x' });
    const event = encoder.event(makeRecord({}, { json }));
    assert.ok(event.endsWith(`"event":${json}}`));
  });

  it('stacks events one per line', () => {
    const encoder = createHecEncoder({ sourcetype: 'x' });
    const other = makeRecord({ id: 'b2' }, { key: 'other.json', logType: 'admin' });
    assert.equal(
      encoder.encode([record, other]).toString(),
      `${encoder.event(record)}\n${encoder.event(other)}\n`,
    );
  });

  it('escapes envelope fields that need it', () => {
    const encoder = createHecEncoder({ sourcetype: '{source}' });
    const odd = makeRecord({}, { key: 'we"ird\\key.json', source: 'a"b' });
    const parsed = JSON.parse(encoder.event(odd)) as Record<string, unknown>;
    assert.equal(parsed.source, 's3://logs-bucket/we"ird\\key.json');
    assert.equal(parsed.sourcetype, 'a"b');
  });

  it('falls back to millisecond time when epochSeconds is not a plain decimal', () => {
    const encoder = createHecEncoder({ sourcetype: 'x' });
    for (const epochSeconds of ['1e9', '-5.5', '1.', '.5', '1.2.3', '1234567890123', '1.1234567890', '']) {
      const odd = makeRecord({}, { timestamp: { iso: 'x', epochSeconds, epochMillis: 1_000_000_000_123 } });
      assert.ok(encoder.event(odd).startsWith('{"time":1000000000.123,'), epochSeconds);
    }
  });

  it('sends a plain decimal epochSeconds as written', () => {
    const encoder = createHecEncoder({ sourcetype: 'x' });
    for (const epochSeconds of ['0', '1706813404', '1706813404.782960647', '999999999999.1']) {
      const plain = makeRecord({}, { timestamp: { iso: 'x', epochSeconds, epochMillis: 1 } });
      assert.ok(encoder.event(plain).startsWith(`{"time":${epochSeconds},`), epochSeconds);
    }
  });

  it("sends a log type listed in indexByLogType to its index, and the others to the destination's index", () => {
    const encoder = createHecEncoder({
      index: 'security',
      indexByLogType: { 'sluice-alerts': 'alerts' },
      sourcetype: '{source}:{logType}',
    });
    const alert = makeRecord({ eventId: 'e1' }, { source: 'sluice', logType: 'sluice-alerts' });
    const indexOf = (event: string) => (JSON.parse(event) as { index?: string }).index;
    assert.equal(indexOf(encoder.event(alert)), 'alerts');
    assert.equal(indexOf(encoder.event(record)), 'security');
    const withoutDefault = createHecEncoder({
      indexByLogType: { 'sluice-alerts': 'alerts' },
      sourcetype: 'x',
    });
    assert.equal(indexOf(withoutDefault.event(alert)), 'alerts');
    assert.equal(indexOf(withoutDefault.event(record)), undefined, "the token's default index decides");
  });

  it('chooses the index per record: records of one object whose own logType differs get their own index', () => {
    const encoder = createHecEncoder({
      index: 'security',
      indexByLogType: { queries: 'queries' },
      sourcetype: 'constant',
    });
    // Same object key and sourcetype: only the record's log type tells the two apart.
    const activity = makeRecord({ id: 'a' }, { logType: 'activities' });
    const query = makeRecord({ id: 'q' }, { logType: 'queries' });
    const events = encoder
      .encode([activity, query, activity])
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { index: string }).index);
    assert.deepEqual(events, ['security', 'queries', 'security']);
    for (const candidate of [activity, query])
      assert.equal(encoder.encodedSize(candidate), Buffer.byteLength(encoder.encode([candidate])));
  });

  it('encodes a batch byte for byte as its events one per line, whatever mix of objects, sources, log types and times it holds', () => {
    const options = {
      host: 'h',
      index: 'main',
      indexByLogType: { queries: 'q' },
      sourcetype: '{source}:{logType}',
    };
    const encoder = createHecEncoder(options);
    const tricky = [
      '{"msg":"héllo ✓ 🚀","big":12345678901234567890,"tiny":1e-400,"neg":-0.0}',
      '{"esc":"quote \\" backslash \\\\ tab \\t nul \\u0000 surrogate \\ud83d\\ude80 lone \\udc00"}',
      '{"nested":{"a":[1,{"b":null}],"c":true},"empty":{},"list":[]}',
    ];
    const times = [
      { iso: 'x', epochSeconds: '1706813404.782960647', epochMillis: 1 },
      { iso: 'x', epochSeconds: '-5.5', epochMillis: -5_500 },
      { iso: 'x', epochSeconds: '0', epochMillis: 0 },
      { iso: 'x', epochSeconds: 'bad', epochMillis: Number.NaN },
    ];
    // Consecutive records that differ in one envelope field only, so a remembered envelope must not leak.
    const usual = { key: 'a.json' };
    const places = [
      usual,
      { ...usual, logType: 'queries' },
      usual,
      { ...usual, source: 'other' },
      usual,
      { ...usual, bucket: 'other-bucket' },
      usual,
      { key: 'b/ключ "x".json' },
      usual,
    ];
    const batch = places.flatMap((place, index) =>
      tricky.map((json, offset) =>
        makeRecord({}, { ...place, json, offset, timestamp: times[(index + offset) % times.length] }),
      ),
    );
    // Each event from an encoder of its own: nothing remembered from the record before.
    const reference = batch.map((candidate) => `${createHecEncoder(options).event(candidate)}\n`).join('');
    assert.equal(encoder.encode(batch).toString('utf8'), reference);
    assert.deepEqual(encoder.encode(batch), Buffer.from(reference));
    assert.equal(
      batch.reduce((sum, candidate) => sum + encoder.encodedSize(candidate), 0),
      Buffer.byteLength(reference),
    );
    for (const line of reference.trimEnd().split('\n')) JSON.parse(line);
  });

  it('encodedSize is the exact UTF-8 size of the event and its newline', () => {
    const encoder = createHecEncoder({ host: 'h', index: 'i', sourcetype: '{source}:{logType}' });
    for (const candidate of [
      record,
      makeRecord({ msg: 'héllo ✓ 🚀' }),
      makeRecord({}, { key: 'ключ.json' }),
    ]) {
      assert.equal(encoder.encodedSize(candidate), Buffer.byteLength(encoder.encode([candidate])));
    }
  });
});

describe('hecEventUrl', () => {
  it('accepts the base URL, /services/collector or the full event path', () => {
    for (const url of [
      'https://splunk.example.com:8088',
      'https://splunk.example.com:8088/',
      'https://splunk.example.com:8088/services/collector',
      'https://splunk.example.com:8088/services/collector/event',
      'https://splunk.example.com:8088/services/collector/event/',
    ]) {
      assert.equal(hecEventUrl(url).href, 'https://splunk.example.com:8088/services/collector/event');
    }
  });

  it('keeps a path prefix (reverse proxies) and query parameters', () => {
    assert.equal(
      hecEventUrl('https://proxy.example.com/splunk?channel=abc').href,
      'https://proxy.example.com/splunk/services/collector/event?channel=abc',
    );
  });
});
