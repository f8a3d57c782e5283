import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileDestination } from '../../../lambda/core/config/destinations';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import { FILE_WRITE_FAILED } from '../../../lambda/core/sinks/file/sink';
import { makeRecord } from '../sinks/fixtures';

const context = { deadline: Date.now() + 60_000 };

function sinkFor(path: string, format?: string) {
  return createSink(fileDestination.parse({ type: 'file', name: 'local', path, format }), {
    secret: () => assert.fail('a file destination has no secret'),
  });
}

describe('the file destination', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-file-sink-'));

  it('appends each record as read (ndjson), creating the folders', async () => {
    const path = join(dir, 'nested', 'raw.ndjson');
    const sink = sinkFor(path);
    const first = makeRecord({}, { json: '{"a":1}' });
    const outcome = await sink.deliver([first, makeRecord({}, { json: '{"b":"ü"}' })], context);
    assert.equal(outcome.delivered.length, 2);
    await sink.deliver([makeRecord({}, { json: '{"c":3}' })], context);
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"b":"ü"}\n{"c":3}\n');
    assert.equal(sink.encodedSize(first), 8);
  });

  it('writes what Splunk HEC and Elasticsearch _bulk would be sent', async () => {
    const record = makeRecord({}, { json: '{"id":"at-1"}' });
    const hecPath = join(dir, 'hec.ndjson');
    await sinkFor(hecPath, 'splunk-hec').deliver([record], context);
    const event = JSON.parse(readFileSync(hecPath, 'utf8')) as Record<string, unknown>;
    assert.equal(event.sourcetype, `${record.source}:${record.logType}`);
    assert.deepEqual(event.event, { id: 'at-1' });

    const bulkPath = join(dir, 'bulk.ndjson');
    await sinkFor(bulkPath, 'elasticsearch-bulk').deliver([record], context);
    const [action, source] = readFileSync(bulkPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(action, {
      create: { _index: `logs-${record.source}.${record.logType}-default`, _id: record.id },
    });
    assert.equal(source.id, 'at-1');
  });

  it('never interleaves concurrent batches', async () => {
    const path = join(dir, 'concurrent.ndjson');
    const sink = sinkFor(path);
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 50 }, (_, n) => makeRecord({}, { json: JSON.stringify({ b, n }) })),
    );
    await Promise.all(batches.map((batch) => sink.deliver(batch, context)));
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { b: number; n: number });
    assert.equal(lines.length, 1000);
    for (let index = 0; index < lines.length; index += 50) {
      const batch = lines.slice(index, index + 50);
      assert.ok(
        batch.every((line, n) => line.b === batch[0].b && line.n === n),
        'each batch is contiguous and in order',
      );
    }
  });

  it('reports a batch it cannot write as failed (retried), not delivered', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const outcome = await sinkFor(join(blocker, 'out.ndjson')).deliver([makeRecord()], context);
    assert.equal(outcome.delivered.length, 0);
    assert.equal(outcome.failed.length, 1);
    assert.equal(outcome.failure?.code, FILE_WRITE_FAILED);
  });
});
