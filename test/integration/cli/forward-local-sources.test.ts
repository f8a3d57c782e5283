import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sluice, workspace } from './helpers';

const RECORDS = '{"id":"1","logType":"activities","timestamp":"2026-12-02T10:00:00Z"}\n';
const fileDestination = { type: 'file', name: 'out', path: 'out.ndjson', format: 'ndjson' };
const strongdm = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

/** A workspace whose export.ndjson is a local file for `sluice forward`. */
function exportIn(config: unknown): { dir: string; config: string } {
  const made = workspace(config);
  writeFileSync(join(made.dir, 'export.ndjson'), RECORDS);
  return made;
}

describe('sluice forward of local files: which source reads them', () => {
  it('the only configured source, with detections on (their alerts source is not a choice)', async () => {
    const { dir, config } = exportIn({
      sources: [strongdm],
      detections: {},
      destinations: [fileDestination],
    });
    const run = await sluice(['forward', '--config', config, 'export.ndjson'], {
      env: { PATH: process.env.PATH },
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^forwarded 1 of 1 object\(s\): 1 record\(s\)/);
    assert.match(readFileSync(join(dir, 'out.ndjson'), 'utf8'), /"id":"1"/);
  });

  it('several: exit 2 before reading anything, naming --source and the sources', async () => {
    const apps = { name: 'apps', prefix: 'apps/logs', ingest: {} };
    const { dir, config } = exportIn({ sources: [strongdm, apps], destinations: [fileDestination] });
    const run = await sluice(['forward', '--config', config, 'export.ndjson'], {
      env: { PATH: process.env.PATH },
      cwd: dir,
    });
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.stderr,
      /^error \[USAGE\]: local files have no key prefix .* Fix: pass --source with one of strongdm, apps\n$/,
    );
    const chosen = await sluice(['forward', '--config', config, '--source', 'apps', 'export.ndjson'], {
      env: { PATH: process.env.PATH },
      cwd: dir,
    });
    assert.equal(chosen.code, 0, chosen.stderr);
  });
});
