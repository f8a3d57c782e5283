import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const apps: string[] = [];

/** A user's CDK app: its own package and lock file, sluice's dependencies installed beside sluice. */
function userApp(installSluice: (target: string) => void): string {
  const app = mkdtempSync(join(tmpdir(), 'sluice-user-app-'));
  apps.push(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'platform', version: '1.0.0', private: true }),
  );
  writeFileSync(
    join(app, 'package-lock.json'),
    JSON.stringify({
      name: 'platform',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'platform' } },
    }),
  );
  const modules = join(app, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  installSluice(join(modules, 'sluice'));
  writeFileSync(
    join(app, 'app.ts'),
    [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { Sluice } from 'sluice';",
      "const app = new App({ outdir: 'cdk.out' });",
      "new Sluice(new Stack(app, 'Platform'), 'LogStream', {",
      "  config: { sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }] },",
      '});',
      'app.synth();',
    ].join('\n'),
  );
  return app;
}

/** What `cdk synth` runs in the user's app, from the app's folder. */
function synthesize(app: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'app.ts'], { cwd: app, encoding: 'utf8' });
}

describe('the Lambda handlers bundle wherever the package is installed', () => {
  // rmSync removes the links themselves, never what they point to.
  after(() => apps.forEach((app) => rmSync(app, { recursive: true, force: true })));

  it('copied into the app (node_modules/sluice, without a lock file of its own, as npm installs it)', () => {
    const app = userApp((target) => {
      mkdirSync(target);
      for (const part of ['package.json', 'tsconfig.json', 'lib', 'lambda']) {
        cpSync(join(ROOT, part), join(target, part), { recursive: true });
      }
    });
    assert.equal(existsSync(join(app, 'node_modules', 'sluice', 'package-lock.json')), false);
    const result = synthesize(app);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(join(app, 'cdk.out', 'Platform.template.json')));
  });

  it('linked from a checkout outside the app (npm link, a file: dependency)', () => {
    const app = userApp((target) => symlinkSync(ROOT, target));
    const result = synthesize(app);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(join(app, 'cdk.out', 'Platform.template.json')));
  });
});
