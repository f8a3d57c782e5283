import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectRules } from '../../../cli/detect/config-rules';
import { configuredSources } from '../../../cli/detect/sources';
import { runDetectTest } from '../../../cli/detect/test-records';
import { loadCliConfig } from '../../../cli/shared/config';
import { compileDetectionRules } from '../../../lambda/core/detections/load-rules';
import { SluiceError } from '../../../lambda/core/errors';
import { runCliCaptured } from './support/run-cli';

const root = mkdtempSync(join(tmpdir(), 'sluice-detect-rules-'));
after(() => rmSync(root, { recursive: true, force: true }));

const rule = (title: string, modifier = 'contains') =>
  `title: ${title}\nlogsource:\n  product: strongdm\n  service: queries\ndetection:\n  s:\n    query|${modifier}: drop\n  condition: s\n`;

/** A folder holding `sluice.config.json` with these `detections` and these files (path → text). */
function project(name: string, detections: unknown, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  const all = {
    'sluice.config.json': JSON.stringify({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'https', name: 'collector', url: 'https://collector.example.com/ingest' }],
      ...(detections === undefined ? {} : { detections }),
    }),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const configOf = (dir: string) => loadCliConfig('sluice.config.json', dir);

const run = (args: string[], cwd: string) => runCliCaptured(args, { cwd });

describe('the rules `sluice detect` runs', () => {
  it("are the configuration's packs and rules, read as cdk synth reads them, with its dedup period and lateness", () => {
    const dir = project(
      'own-only',
      { packs: [], rules: ['rules/'], dedupPeriod: '30m', lateness: '2h' },
      { 'rules/mine.yml': rule('mine') },
    );
    const { files, timing } = detectRules({}, configOf(dir), '/elsewhere');
    assert.deepEqual(
      files.map((file) => file.path),
      ['rules/mine.yml'],
      '"packs": [] runs no shipped pack; paths are relative to the configuration',
    );
    assert.deepEqual(timing, { dedupPeriodMs: 30 * 60_000, latenessMs: 2 * 3_600_000 });
  });

  it('are the shipped packs and the engine defaults without detections in the configuration', () => {
    const { files, timing } = detectRules({}, configOf(project('none', undefined)), root);
    assert.ok(files.length > 0);
    assert.ok(files.every((file) => file.path.includes('strongdm/')));
    assert.deepEqual(timing, {});
  });

  it('are those named on the command line instead, with the configuration timing still', () => {
    const dir = project(
      'named',
      { packs: ['strongdm'], rules: ['rules/'], dedupPeriod: '10m' },
      { 'rules/mine.yml': rule('mine'), 'other/theirs.yml': rule('theirs') },
    );
    const named = detectRules({ paths: ['other'] }, configOf(dir), dir);
    assert.deepEqual(
      named.files.map((file) => file.path),
      ['other/theirs.yml'],
    );
    assert.equal(named.timing.dedupPeriodMs, 10 * 60_000);
  });

  it('add --rules folders to the configuration rules', () => {
    const dir = project(
      'extra',
      { packs: [], rules: ['rules/'] },
      { 'rules/mine.yml': rule('mine'), 'more/extra.yml': rule('extra') },
    );
    assert.deepEqual(
      detectRules({ extra: ['more'] }, configOf(dir), dir).files.map((file) => file.path),
      ['rules/mine.yml', 'more/extra.yml'],
    );
  });

  it('refuse detections that name no rule at all, with the fix', () => {
    const dir = project('empty', { packs: [], rules: [] });
    assert.throws(
      () => detectRules({}, configOf(dir), dir),
      (error: unknown) =>
        error instanceof SluiceError && error.code === 'USAGE' && /name no rules.*Fix:/.test(error.message),
    );
  });

  it('refuse a folder holding no rule file (records named first, say) as a usage error, with the fix', async () => {
    const dir = project('records-only', undefined, { 'samples/q.ndjson': '{"query":"drop"}\n' });
    const result = await run(['detect', 'test', 'samples', 'rules'], dir);
    assert.equal(result.code, 2, result.err);
    assert.match(
      result.err,
      /^error \[USAGE\]: no rule files \(\*\.yml, \*\.yaml; \*\.tests\.yml are rule tests\) in samples\. Fix: name Sigma rule files or folders that hold them \(detect test takes the rules first, then the record files\)\n$/,
    );
  });

  it('make `detect validate -c` refuse a rule that cdk synth refuses', async () => {
    const dir = project('typo', { rules: ['rules/'] }, { 'rules/bad.yml': rule('bad', 'contians') });
    const result = await run(['-c', 'sluice.config.json', 'detect', 'validate'], dir);
    assert.equal(result.code, 1);
    assert.match(result.out, /^rules\/bad\.yml:7:5: query\|contians: unknown modifier/m);
  });

  it('count alerts with the dedup period the configuration gives', async () => {
    const dir = project(
      'dedup',
      { packs: [], rules: ['rules/'], dedupPeriod: '1d' },
      {
        'rules/drop.yml': rule('drop'),
        // Two drops two hours apart: two alerts with the default hour, one with a day.
        'records.ndjson': [
          '{"uuid":"a","type":"query","query":"drop x","timestamp":"2024-02-01T10:10:00Z"}',
          '{"uuid":"b","type":"query","query":"drop y","timestamp":"2024-02-01T12:10:00Z"}',
          '',
        ].join('\n'),
      },
    );
    const cli = configOf(dir);
    const { files, timing } = detectRules({}, cli, dir);
    const request = {
      ruleSet: compileDetectionRules(files),
      source: configuredSources(cli.config)[0],
      files: [join(dir, 'records.ndjson')],
      cwd: dir,
      logType: 'queries',
      maxRecordBytes: 1024 * 1024,
      maxObjectBytes: 1024 * 1024,
    };
    assert.equal((await runDetectTest({ ...request, timing })).alerts.length, 1);
    assert.equal((await runDetectTest(request)).alerts.length, 2);
  });
});
