import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function runApp(config: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-app-'));
  const path = join(dir, 'sluice.config.json');
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/sluice-app.ts'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ 'sluice:config': path }),
      CDK_OUTDIR: join(dir, 'out'),
    },
  });
}

describe('the CDK app entry point (what `cdk synth` runs)', () => {
  it('fails with the field and the fix when the configuration is invalid', () => {
    const result = runApp({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm', principals: ['role/x'] }],
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /sources\[0\]\.principals\[0\]: is not an IAM principal ARN\. Fix:/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace for a configuration error');
  });

  it('fails clearly when the file is not JSON', () => {
    const result = runApp('{ "sources": [ }');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /is not valid JSON/);
  });

  it('synthesizes the committed example configuration', () => {
    const result = runApp(JSON.parse(readFileSync('examples/strongdm-splunk.json', 'utf8')));
    assert.equal(result.status, 0, result.stderr);
  });
});
