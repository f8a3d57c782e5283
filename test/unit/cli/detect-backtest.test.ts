import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { backtest } from '../../../cli/detect/backtest';
import { configuredSources } from '../../../cli/detect/sources';
import { parseConfig } from '../../../lambda/core/config/load';
import { compileDetectionRules } from '../../../lambda/core/detections/load-rules';
import type { ObjectSource } from '../../../lambda/core/forward/ports';

const STORED = new Date('2024-02-01T18:51:00Z');

/** A bucket as ListObjectsV2 answers it (folders with Delimiter), from keys and their text. */
function bucketOf(objects: Record<string, string>): { s3: S3Client; objects: ObjectSource } {
  const keys = Object.keys(objects).sort();
  const s3 = {
    send: async (command: { input: { Prefix?: string; Delimiter?: string } }) => {
      const prefix = command.input.Prefix ?? '';
      const under = keys.filter((key) => key.startsWith(prefix));
      if (!command.input.Delimiter)
        return {
          Contents: under.map((Key) => ({
            Key,
            Size: objects[Key].length,
            ETag: '"e"',
            LastModified: STORED,
          })),
        };
      const folders = new Set<string>();
      for (const key of under) {
        const cut = key.indexOf('/', prefix.length);
        if (cut !== -1) folders.add(key.slice(0, cut + 1));
      }
      return { CommonPrefixes: [...folders].map((Prefix) => ({ Prefix })), Contents: [] };
    },
  } as unknown as S3Client;
  const source: ObjectSource = {
    open: async (object) => ({
      body: (async function* () {
        yield new TextEncoder().encode(objects[object.key]);
      })(),
      eTag: 'e',
    }),
  };
  return { s3, objects: source };
}

const ruleSet = compileDetectionRules([
  {
    path: 'rules/drop.yml',
    text: 'title: drop\nlogsource:\n  product: strongdm\n  service: queries\ndetection:\n  s:\n    query|contains: drop\n  condition: s\n',
  },
]);
const sources = configuredSources(
  parseConfig({
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [{ type: 'https', name: 'collector', url: 'https://collector.example.com/ingest' }],
  }),
);
const record = '{"uuid":"q-1","type":"query","query":"drop x","timestamp":"2024-02-01T18:50:10Z"}\n';

describe('a backtest', () => {
  const bucket = bucketOf({ 'sdm/logs/queries/2024/02/01/18/50/a.json': record });
  const request = {
    ...bucket,
    bucket: 'audit',
    ruleSet,
    sources,
    from: new Date('2024-02-01T18:00:00Z'),
    to: new Date('2024-02-01T19:00:00Z'),
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 1024 * 1024,
  };

  it('reads the log types asked for, and reports none missed', async () => {
    const report = await backtest({ ...request, logTypes: ['queries'] });
    assert.equal(report.records, 1);
    assert.equal(report.alerts.length, 1);
    assert.equal(report.unmatchedLogTypes, undefined);
  });

  it('reports a log type under which nothing was read, with the log types the bucket holds', async () => {
    const report = await backtest({ ...request, logTypes: ['querys'] });
    assert.equal(report.objects, 0);
    assert.deepEqual(report.unmatchedLogTypes, { requested: ['querys'], found: ['queries'] });
  });
});
