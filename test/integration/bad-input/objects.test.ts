import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { seededRandom } from '../../../bench/data/random';
import {
  BUCKET,
  MAX_OBJECT_BYTES,
  MAX_RECEIVE_COUNT,
  key,
  notification,
  startRig,
  type Rig,
} from './support';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'bad-input');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** A clean activity record: the neighbours that prove the rest of an object and batch got through. */
function activity(id: string, extra: Record<string, unknown> = {}) {
  return {
    formatVersion: 'v1.0.0',
    id,
    logType: 'activities',
    activity: 'user logged into the Admin UI',
    timestamp: '2024-02-01T18:50:04.782960647Z',
    ...extra,
  };
}
const line = (record: object) => `${JSON.stringify(record)}\n`;
const clean = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => line(activity(`${prefix}-${index}`))).join('');
const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
const sorted = (values: readonly string[]) => [...values].sort();

/**
 * Bad input in vendor objects and notifications. For each case: what happens to the bad part
 * (quarantined with a reason, skipped with a log line, or retried until the DLQ), and proof that the
 * rest of the same object, and the other objects of the same batch, were delivered.
 */
describe('bad input: objects and notifications', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.stop());
  beforeEach(async () => rig.reset());

  /** Puts objects in one go, so their notifications land in the same batch. */
  async function put(objects: Record<string, string | Uint8Array>): Promise<void> {
    for (const [name, body] of Object.entries(objects)) await rig.pipeline.putObject(name, body);
  }

  it('invalid JSON lines: each is quarantined with its byte offset and reason, every other line is delivered', async () => {
    const name = key('activities', 'invalid-lines.json');
    await put({
      [name]: fixture('invalid-lines.json'),
      [key('activities', 'neighbour.json')]: clean('n1', 3),
    });
    const stats = await rig.drain();
    const quarantined = await rig.quarantine();

    const delivered = [
      'at-bad-0001',
      'at-bad-0002',
      'at-bad-0003',
      'at-bad-0004',
      'at-bad-0005',
      'at-bad-0006',
      ...ids('n1', 3),
    ];
    assert.deepEqual(
      sorted(rig.splunkIds()),
      sorted(delivered),
      'two objects written on one line are two records',
    );
    assert.deepEqual(sorted(rig.elasticIds()), sorted(delivered));
    assert.deepEqual(
      quarantined.map(({ code, offset, key: where }) => ({ code, offset, key: where })),
      [
        { code: 'INVALID_JSON', offset: 196, key: name }, // a record cut short (its string runs into the line break)
        { code: 'INVALID_JSON', offset: 483, key: name }, // text, an array and a string: one span up to the next `{` line
        { code: 'INVALID_JSON', offset: 1149, key: name }, // `{"oops": tru}`
      ],
    );
    assert.match(quarantined[0].reason, /line break/);
    assert.equal(
      quarantined[1].raw,
      'this is not JSON at all\n["an","array","is","not","a","record"]\n"a lone string"',
    );
    assert.equal(stats.failed, 0, 'nothing to retry: the bad lines are parked');
  });

  it('binary garbage between records: quarantined (base64, at most 64 KiB), the records around it delivered', async () => {
    const random = seededRandom(7001);
    const garbage = Buffer.from(
      Array.from({ length: 4096 }, () => random.int(0, 255)).filter((byte) => byte !== 0x0a && byte !== 0x7b),
    );
    const body = Buffer.concat([
      Buffer.from(clean('g1', 2)),
      garbage,
      Buffer.from('\n'),
      Buffer.from(clean('g2', 2)),
    ]);
    await put({ [key('activities', 'garbage.json')]: body });
    await rig.drain();
    const quarantined = await rig.quarantine();

    assert.deepEqual(sorted(rig.splunkIds()), sorted([...ids('g1', 2), ...ids('g2', 2)]));
    assert.deepEqual(sorted(rig.elasticIds()), sorted([...ids('g1', 2), ...ids('g2', 2)]));
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].code, 'INVALID_JSON');
    assert.equal(quarantined[0].rawEncoding, 'base64', 'not UTF-8: kept byte for byte');
    assert.deepEqual(Buffer.from(quarantined[0].raw!, 'base64'), garbage);
  });

  it('a 20 MB single line: quarantined as RECORD_TOO_LARGE with its first 64 KiB, the lines around it delivered', async () => {
    const huge = `{"id":"at-huge","logType":"activities","blob":"${'x'.repeat(20 * 1024 * 1024)}"}\n`;
    await put({ [key('activities', 'huge-line.json')]: clean('h1', 2) + huge + clean('h2', 2) });
    await rig.drain();
    const quarantined = await rig.quarantine();

    assert.deepEqual(sorted(rig.splunkIds()), sorted([...ids('h1', 2), ...ids('h2', 2)]));
    assert.deepEqual(sorted(rig.elasticIds()), sorted([...ids('h1', 2), ...ids('h2', 2)]));
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].code, 'RECORD_TOO_LARGE');
    assert.match(quarantined[0].reason, /more than the 8388608 bytes allowed/);
    assert.equal(quarantined[0].raw!.length, 64 * 1024);
    assert.equal(quarantined[0].raw, huge.slice(0, 64 * 1024));
  });

  it('a truncated gzip object: the records before the cut are delivered once; the object continues, fails again and ends in the DLQ; the batch’s other objects are delivered', async (t) => {
    const name = key('activities', 'truncated.json.gz');
    const whole = gzipSync(clean('t', 400));
    await put({
      [name]: whole.subarray(0, Math.floor(whole.length * 0.6)),
      [key('activities', 'same-batch.json')]: clean('b1', 3),
    });
    const stats = await rig.drain();

    // The first attempt delivers what it could read and hands the object to a continuation that
    // remembers it; the continuation cannot get further, so it fails until the DLQ.
    const parked = await rig.takeDeadLetters();
    assert.equal(parked.length, 1);
    assert.deepEqual(
      { sluice: parked[0].sluice, key: parked[0].key, reason: parked[0].reason },
      { sluice: 'sluice.continuation.v1', key: name, reason: 'object-unreadable' },
    );
    assert.equal(stats.failed, MAX_RECEIVE_COUNT, 'the continuation was tried maxReceiveCount times');
    for (const id of ids('b1', 3))
      assert.ok(rig.splunkIds().includes(id) && rig.elasticIds().includes(id), id);
    const readable = rig.elasticIds().filter((id) => id.startsWith('t-'));
    t.diagnostic(`records before the cut: ${readable.length} of 400`);
    assert.ok(readable.length > 0 && readable.length < 400, `${readable.length} records before the cut`);
    assert.deepEqual(readable, ids('t', readable.length), 'the records before the cut, in Elasticsearch');
    assert.deepEqual(
      rig.splunkIds().filter((id) => id.startsWith('t-')),
      readable,
      'and in Splunk, once each: the retries did not send them again',
    );
    assert.deepEqual(
      await rig.quarantine(),
      [],
      'an unreadable object is not quarantined: it stays re-drivable',
    );

    const lines = await rig.process(notification(name));
    const continued = lines.find((line) => line.message === 'object continues in a new message');
    const [failure] = continued?.fields.failures as { code: string; message: string }[];
    assert.equal(failure.code, 'OBJECT_TRUNCATED_GZIP');
    assert.match(failure.message, /truncated\.json\.gz: gzip stream is truncated/);
  });

  it('a gzip object followed by bytes that are not gzip: every record of it is delivered once, then the object ends in the DLQ naming where the bytes start', async () => {
    const name = key('activities', 'trailing.json.gz');
    // Over 64 KiB of records: zlib's own gunzip dropped its last output chunk on such bytes.
    const member = gzipSync(clean('g', 1_000));
    await put({ [name]: Buffer.concat([member, Buffer.from('\n-- appended by a broken uploader --\n')]) });
    await rig.drain();

    const parked = await rig.takeDeadLetters();
    assert.deepEqual(
      parked.map((message) => [message.key, message.reason]),
      [[name, 'object-unreadable']],
    );
    assert.deepEqual(rig.elasticIds(), ids('g', 1_000), 'every record, in Elasticsearch');
    assert.deepEqual(rig.splunkIds(), ids('g', 1_000), 'and in Splunk, once each');
    const lines = await rig.process(notification(name));
    const continued = lines.find((entry) => entry.message === 'object continues in a new message');
    const [failure] = continued?.fields.failures as { code: string; message: string }[];
    assert.equal(failure.code, 'OBJECT_CORRUPT_GZIP');
    assert.match(
      failure.message,
      new RegExp(`from compressed offset ${member.length}, after a complete member, are not gzip`),
    );
  });

  it('a zip object (Firehose offers ZIP): nothing quarantined, its notification ends in the DLQ, the error is OBJECT_UNSUPPORTED_COMPRESSION with the fix; the batch’s other objects are delivered', async () => {
    const name = key('activities', 'firehose.zip');
    // A zip archive's local file header, then bytes that read as lines of binary.
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.alloc(4096, 0x0a)]);
    await put({ [name]: zip, [key('activities', 'beside-zip.json')]: clean('z', 2) });
    await rig.drain();

    // Nothing was read, so no continuation: the notification itself, retried until the DLQ.
    const parked = (await rig.takeDeadLetters()) as { Records: { s3: { object: { key: string } } }[] }[];
    assert.deepEqual(
      parked.map((message) => decodeURIComponent(message.Records[0].s3.object.key)),
      [name],
    );
    assert.deepEqual(rig.elasticIds(), ids('z', 2));
    assert.deepEqual(await rig.quarantine(), []);
    await assert.rejects(rig.process(notification(name)), {
      code: 'OBJECT_UNSUPPORTED_COMPRESSION',
      message: /firehose\.zip: object is zip-compressed, which sluice does not read/,
    });
  });

  it('a gzip bomb: read up to forwarder.maxObjectBytes, then refused; the object continues, fails again and ends in the DLQ', async () => {
    const name = key('activities', 'bomb.json.gz');
    // ~10 KB that would expand to 64 MiB of spaces, after 5 good records.
    const bomb = gzipSync(
      Buffer.concat([Buffer.from(clean('bomb', 5)), Buffer.alloc(64 * 1024 * 1024, 0x20)]),
    );
    assert.ok(bomb.length < 100 * 1024);
    await put({ [name]: bomb, [key('activities', 'beside-bomb.json')]: clean('b2', 2) });
    await rig.drain();

    const parked = await rig.takeDeadLetters();
    assert.deepEqual(
      parked.map((message) => [message.key, message.reason]),
      [[name, 'object-unreadable']],
    );
    for (const id of ids('b2', 2)) assert.ok(rig.elasticIds().includes(id), id);
    assert.deepEqual(
      rig.elasticIds().filter((id) => id.startsWith('bomb')),
      ids('bomb', 5),
      'read up to the limit',
    );
    assert.deepEqual(
      rig.splunkIds().filter((id) => id.startsWith('bomb')),
      ids('bomb', 5),
      'once each',
    );

    const lines = await rig.process(notification(name));
    const continued = lines.find((line) => line.message === 'object continues in a new message');
    const [failure] = continued?.fields.failures as { code: string; message: string }[];
    assert.equal(failure.code, 'OBJECT_TOO_LARGE_DECOMPRESSED');
    assert.match(failure.message, new RegExp(`more than ${MAX_OBJECT_BYTES} bytes`));
  });

  it('deeply nested JSON on one line is forwarded untouched', async () => {
    const depth = 50_000;
    const deep = `{"id":"at-deep","logType":"activities","nested":${'['.repeat(depth)}${']'.repeat(depth)}}\n`;
    await put({ [key('activities', 'deep.json')]: clean('d1', 1) + deep + clean('d2', 1) });
    await rig.drain();

    assert.deepEqual(sorted(rig.splunkIds()), sorted(['d1-0', 'at-deep', 'd2-0']));
    assert.deepEqual(sorted(rig.elasticIds()), sorted(['d1-0', 'at-deep', 'd2-0']));
  });

  it('a deeply nested pretty-printed record (too deep to compact into one line) is quarantined; the rest of its object is delivered', async () => {
    const depth = 100_000;
    const before = clean('p1', 1);
    const pretty = `{\n    "id": "at-deep-pretty",\n    "logType": "activities",\n    "nested": ${'['.repeat(depth)}${']'.repeat(depth)}\n}\n`;
    const name = key('activities', 'deep-pretty.json');
    await put({ [name]: before + pretty + clean('p2', 1) });
    await rig.drain();
    const quarantined = await rig.quarantine();

    assert.equal(await rig.dlqDepth(), 0, 'one record does not send its object to the DLQ');
    assert.deepEqual(sorted(rig.splunkIds()), ['p1-0', 'p2-0']);
    assert.deepEqual(sorted(rig.elasticIds()), ['p1-0', 'p2-0']);
    assert.deepEqual(
      quarantined.map(({ code, offset, key: where }) => ({ code, offset, key: where })),
      [{ code: 'RECORD_UNSERIALIZABLE', offset: Buffer.byteLength(before), key: name }],
    );
    assert.ok(quarantined[0].raw?.startsWith('{\n    "id": "at-deep-pretty"'));
  });

  it('a BOM and CRLF line ends: records delivered without them; offsets count the BOM', async () => {
    await put({ [key('activities', 'bom-crlf.json')]: fixture('bom-crlf.json') });
    await rig.drain();

    assert.deepEqual(rig.splunkIds(), ['at-bad-0010', 'at-bad-0011', 'at-bad-0012']);
    assert.deepEqual(sorted(rig.elasticIds()), ['at-bad-0010', 'at-bad-0011', 'at-bad-0012']);
    for (const event of rig.hec.events) assert.doesNotMatch(JSON.stringify(event.event), /\\r|\ufeff/);
  });

  it('record keys with spaces, unicode and escapes arrive unchanged; an escaped @timestamp key is the record’s own', async () => {
    await put({ [key('activities', 'unicode-keys.json')]: fixture('unicode-keys.json') });
    await rig.drain();

    const event = rig.hec.events.find(
      (candidate) => (candidate.event as { id: string }).id === 'at-bad-0020',
    );
    assert.deepEqual(event?.event, JSON.parse(fixture('unicode-keys.json').toString('utf8').split('\n')[0]));
    const index = 'logs-strongdm.activities-default';
    const stamp = (id: string) => (rig.bulk.document(index, id) as Record<string, unknown>)['@timestamp'];
    assert.equal(stamp('at-bad-0020'), '2024-02-01T18:50:20Z', 'spliced from the record’s timestamp');
    assert.equal(
      stamp('at-bad-0021'),
      '2020-01-01T00:00:00Z',
      'written as "\\u0040timestamp": still the record’s own',
    );
    assert.equal(stamp('at-bad-0022'), '2024-02-01T18:50:22Z', 'a nested @timestamp is not the record’s');
    assert.equal(stamp('at-bad-0023'), '2019-05-05T05:05:05Z');
    assert.equal(rig.bulk.counters.documentErrors, 0);
  });

  it('object keys with spaces and unicode (URL-encoded in the notification) and keys outside the layout', async () => {
    const spaced = 'sdm/logs/activities/2024/02/01/18/50/file with spaces & ünïcödé+plus.json';
    const noLogType = 'sdm/logs/stray-object.json';
    await put({
      [spaced]: clean('sp', 2),
      [noLogType]: `${line(activity('nl-0'))}${line({ id: 'nl-1', timestamp: '2024-02-01T18:50:04Z' })}`,
    });
    await rig.drain();

    const sources = new Map(rig.hec.events.map((event) => [(event.event as { id: string }).id, event]));
    assert.equal(sources.get('sp-0')?.source, `s3://${BUCKET}/${spaced}`, 'the decoded key');
    // Outside the layout, the record's own logType still routes it; a record without one is "unknown".
    assert.equal(sources.get('nl-0')?.sourcetype, 'strongdm:activities');
    assert.equal(sources.get('nl-1')?.sourcetype, 'strongdm:unknown');
    const unknownIndex = [...(rig.bulk.indices.get('logs-strongdm.unknown-default')?.values() ?? [])];
    assert.deepEqual(
      unknownIndex.map((document) => (document as { id: string }).id),
      ['nl-1'],
    );
    assert.equal(rig.elasticIds().length, 4);
  });

  it('a key outside every source prefix is skipped with a log line, and the message succeeds', async () => {
    await rig.pipeline.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'elsewhere/x.json', Body: clean('x', 1) }),
    );
    const lines = await rig.process(notification('elsewhere/x.json'));

    assert.deepEqual(lines, [
      {
        level: 'warn',
        message: 'object outside every configured source prefix: not forwarded',
        fields: { bucket: BUCKET, key: 'elsewhere/x.json' },
      },
    ]);
    assert.equal(rig.hec.events.length, 0);
  });

  it('an empty object: nothing to deliver, the message succeeds', async () => {
    await put({
      [key('activities', 'empty.json')]: '',
      [key('activities', 'beside-empty.json')]: clean('e', 2),
    });
    const stats = await rig.drain();
    const lines = await rig.process(notification(key('activities', 'empty.json')));

    assert.equal(stats.failed, 0);
    assert.deepEqual(sorted(rig.elasticIds()), ids('e', 2));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].message, 'object forwarded');
    assert.equal(lines[0].fields.records, 0);
  });

  it('the vendor’s test object is never forwarded: a log line says the Test button works', async () => {
    await put({
      'sdm/logs/test': fixture('vendor-test.json'),
      [key('activities', 'beside-test.json')]: clean('v', 1),
    });
    await rig.drain();
    const lines = await rig.process(notification('sdm/logs/test'));

    assert.deepEqual(rig.splunkIds(), ['v-0']);
    assert.deepEqual(rig.elasticIds(), ['v-0']);
    assert.equal(
      lines[0].message,
      "vendor test object received: the writer's Test button works; not forwarded",
    );
    assert.equal(lines[0].fields.source, 'strongdm');
  });

  it('a duplicate notification: Elasticsearch keeps one copy (409), Splunk receives the object again (at least once)', async () => {
    await put({ [key('activities', 'twice.json')]: clean('tw', 3) });
    await rig.drain();
    await rig.process(notification(key('activities', 'twice.json')));

    assert.deepEqual(sorted(rig.elasticIds()), ids('tw', 3));
    assert.equal(rig.bulk.counters.duplicates, 3, 'the second copy was answered 409, counted as delivered');
    assert.equal(rig.splunkIds().length, 6, 'HEC has no ids: at-least-once means twice here');
  });

  it('a notification for a deleted object version is skipped with a log line; the batch’s other objects are delivered', async () => {
    const gone = key('activities', 'deleted.json');
    const put1 = await rig.pipeline.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: gone, Body: clean('gone', 2) }),
    );
    await rig.pipeline.s3.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: gone, VersionId: put1.VersionId }),
    );
    await put({ [key('activities', 'beside-deleted.json')]: clean('bd', 2) });
    const stats = await rig.drain();
    const lines = await rig.process(notification(gone, { versionId: put1.VersionId }));

    assert.equal(stats.failed, 0, 'not retried: the version will never come back');
    assert.deepEqual(sorted(rig.elasticIds()), ids('bd', 2));
    assert.equal(lines[0].level, 'error');
    assert.equal(lines[0].message, 'object deleted before it was forwarded: nothing to read');
    assert.equal(lines[0].fields.key, gone);
  });

  it('a message that is not a notification is retried and parked in the DLQ; a deletion event is skipped', async () => {
    await rig.send('this is not JSON');
    await rig.send(notification(key('activities', 'x.json'), { eventName: 'ObjectRemoved:Delete' }));
    await put({ [key('activities', 'beside-garbage-message.json')]: clean('gm', 1) });
    await rig.drain();
    const skipped = await rig.process(
      notification(key('activities', 'x.json'), { eventName: 'ObjectRemoved:Delete' }),
    );

    assert.equal(await rig.dlqDepth(), 1, 'the unreadable message waits in the DLQ for an operator');
    assert.deepEqual(rig.elasticIds(), ['gm-0']);
    assert.equal(skipped[0].message, 'event skipped');
    assert.match(String(skipped[0].fields.reason), /not an object creation \(ObjectRemoved:Delete\)/);
  });
});
