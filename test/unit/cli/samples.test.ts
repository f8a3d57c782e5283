import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDetectionRuleFiles } from '../../../lambda/core/config/detection-rules';
import { MemoryAlertStore } from '../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../lambda/core/detections/engine';
import { buildRuleIndex } from '../../../lambda/core/detections/load-rules';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import { classifyKey } from '../../../lambda/core/layout/key-layout';
import { readRecords } from '../../../lambda/core/records/reader';
import { appEvents, seededRandom, strongdmSamples } from '../../../cli/dev/samples';

async function* chunks(body: Buffer): AsyncGenerator<Uint8Array> {
  yield body;
}

async function recordsIn(body: Buffer): Promise<Record<string, unknown>[]> {
  const values: Record<string, unknown>[] = [];
  for await (const event of readRecords(chunks(body), {
    format: 'auto',
    maxRecordBytes: 1 << 20,
    maxDecompressedBytes: 1 << 26,
    startOffset: 0,
    skipBefore: 0,
  })) {
    assert.equal(event.kind, 'record', 'every sample line is a readable record');
    if (event.kind === 'record') values.push(event.value as Record<string, unknown>);
  }
  return values;
}

describe('the dev pipeline samples', () => {
  const now = new Date('2024-02-01T18:50:00Z');
  const samples = strongdmSamples({
    prefix: 'sdm/logs',
    count: 9,
    recordsPerObject: 4,
    now,
    random: seededRandom(7),
  });

  it('are StrongDM objects in the vendor layout: every log type, NDJSON, pretty-printed and gzip', async () => {
    assert.deepEqual(
      new Set(samples.map((sample) => sample.logType)),
      new Set(['activities', 'queries', 'replays']),
    );
    assert.deepEqual(
      new Set(samples.map((sample) => sample.encoding)),
      new Set(['ndjson', 'pretty', 'gzip']),
    );
    for (const sample of samples) {
      const where = classifyKey(sample.key, [{ name: 'strongdm', prefix: 'sdm/logs' }]);
      assert.equal(where.kind === 'record-object' && where.logType, sample.logType);
      assert.equal(sample.key.endsWith('.json.gz'), sample.encoding === 'gzip');
      const records = await recordsIn(sample.body);
      assert.equal(records.length, sample.records);
      for (const record of records) {
        assert.equal(record.logType, sample.logType);
        assert.match(String(record.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      }
    }
  });

  it('carry the record shapes of seed 003', async () => {
    const [activity] = await recordsIn(samples.find((sample) => sample.logType === 'activities')!.body);
    const [query] = await recordsIn(samples.find((sample) => sample.logType === 'queries')!.body);
    const [replay] = await recordsIn(samples.find((sample) => sample.logType === 'replays')!.body);
    for (const field of ['formatVersion', 'id', 'activity', 'actorEmail', 'entities', 'ipAddress'])
      assert.ok(field in activity, field);
    for (const field of ['uuid', 'query', 'resourceName', 'resourceType', 'durationMs', 'hash'])
      assert.ok(field in query, field);
    for (const field of ['chunkID', 'events', 'queryUUID', 'hash']) assert.ok(field in replay, field);
  });

  it('are reproducible from a seed', () => {
    const again = strongdmSamples({
      prefix: 'sdm/logs',
      count: 9,
      recordsPerObject: 4,
      now,
      random: seededRandom(7),
    });
    assert.deepEqual(
      again.map((sample) => sample.key),
      samples.map((sample) => sample.key),
    );
    const events = appEvents(5, now, seededRandom(1)).map(
      (event) => JSON.parse(event) as { logType: string },
    );
    assert.equal(events.length, 5);
    assert.ok(events.every((event) => ['auth', 'orders'].includes(event.logType)));
  });

  it('raise alerts of the shipped StrongDM pack whatever the seed: a role grant and a DROP TABLE on prod', async () => {
    const index = buildRuleIndex(readDetectionRuleFiles({ packs: ['strongdm'], rules: [] }, __dirname), [
      { name: 'strongdm', preset: 'strongdm' },
    ]);
    for (const seed of [1, 7, 42]) {
      // The smallest run that has both log types: one activities object, one queries object.
      const few = strongdmSamples({
        prefix: 'sdm/logs',
        count: 2,
        recordsPerObject: 1,
        now,
        random: seededRandom(seed),
      });
      const records = [];
      for (const sample of few) {
        for (const [offset, value] of (await recordsIn(sample.body)).entries()) {
          records.push({
            id: `${sample.key}#${offset}`,
            source: 'strongdm',
            logType: sample.logType,
            eventTimeMs: Date.parse(String(value.timestamp)),
            bucket: 'sluice-dev-logs',
            key: sample.key,
            offset,
            value,
          });
        }
      }
      const engine = new DetectionEngine(index, {
        windows: new MemoryWindowStore(),
        alerts: new MemoryAlertStore(),
      });
      const outcomes = await engine.process(records, now.getTime());
      assert.deepEqual(
        outcomes.map((outcome) => [outcome.kind, outcome.alert.rule.name, outcome.alert.level]).sort(),
        [
          ['opened', 'sdm_destructive_sql_prod', 'high'],
          ['opened', 'sdm_role_or_permission_grant', 'medium'],
        ],
        `seed ${seed}`,
      );
    }
  });
});
