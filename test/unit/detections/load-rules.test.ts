import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  detectionRuleFilesOf,
  loadDetectionRules,
  readDetectionRuleFiles,
  SHIPPED_PACKS_DIR,
  shippedPacks,
} from '../../../lambda/core/config/detection-rules';
import { loadConfigFile, parseConfig } from '../../../lambda/core/config/load';
import {
  buildRuleIndex,
  compileDetectionRules,
  parseRuleFiles,
} from '../../../lambda/core/detections/load-rules';
import { SluiceError } from '../../../lambda/core/errors';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';

const HEAD = 'title: {title}\nlogsource:\n  product: {product}\n  service: queries\ndetection:\n';
const rule = (title: string, product = 'strongdm') =>
  `${HEAD.replace('{title}', title).replace('{product}', product)}  selection:\n    query|contains: drop\n  condition: selection\n`;
/** Line 7, column 5: the unknown modifier. */
const BAD_MODIFIER = `${HEAD.replace('{title}', 'bad').replace('{product}', 'strongdm')}  selection:\n    query|contians: drop\n  condition: selection\n`;
/** Line 8, column 14: the condition names no selection. */
const BAD_CONDITION = `${HEAD.replace('{title}', 'worse').replace('{product}', 'strongdm')}  selection:\n    query|contains: drop\n  condition: selektion\n`;

const root = mkdtempSync(join(tmpdir(), 'sluice-rules-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A folder with these files (path → text), and its path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function thrown(action: () => unknown): SluiceError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    return error;
  }
  assert.fail('nothing was thrown');
}

describe('compiling the rules of a deployment', () => {
  it('names every problem as file:line:column: reason, in one RULE_INVALID', () => {
    const error = thrown(() =>
      compileDetectionRules([
        { path: 'rules/ok.yml', text: rule('fine') },
        { path: 'rules/bad.yml', text: BAD_MODIFIER },
        { path: 'rules/worse.yml', text: BAD_CONDITION },
      ]),
    );
    assert.equal(error.code, 'RULE_INVALID');
    const lines = error.message.split('\n');
    assert.match(lines[0], /2 problem\(s\) in 2 of 3 rule file\(s\)/);
    assert.match(lines[1], /^rules\/bad\.yml:7:5: .*unknown modifier "contians"/);
    assert.match(lines[2], /^rules\/worse\.yml:8:\d+: .*selektion/);
    assert.deepEqual(error.context.problems, lines.slice(1));
  });

  it('compiles a good set, and binds it to the sources as the forwarder reads them', () => {
    const files = [
      { path: 'rules/sdm.yml', text: rule('on strongdm') },
      { path: 'rules/alerts.yml', text: rule('on alerts', 'sluice') },
    ];
    assert.equal(compileDetectionRules(files).detections.length, 2);
    const runtime = runtimeConfigOf(
      parseConfig({ sources: [{ name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' }], detections: {} }),
    );
    const index = buildRuleIndex(files, runtime.sources);
    assert.deepEqual(
      index.rulesFor('sdm', 'queries').rules.map((compiled) => compiled.title),
      ['on strongdm'],
      'bound by the preset the runtime source carries',
    );
    assert.deepEqual(
      index.rulesFor('sluice', 'queries').rules.map((compiled) => compiled.title),
      ['on alerts'],
    );
    assert.deepEqual(index.unbound(), []);
  });

  it('reads back the rule files as the stack bundles them, and refuses anything else', () => {
    const files = [{ path: 'detections/strongdm/a.yml', text: rule('a') }];
    assert.deepEqual(parseRuleFiles(JSON.stringify(files)), files);
    for (const text of ['{', '{"path":"a","text":"b"}', '[{"path":"a"}]', '[{"path":1,"text":"b"}]']) {
      assert.equal(thrown(() => parseRuleFiles(text)).code, 'RULES_FILE_INVALID', text);
    }
  });
});

describe('reading the rules a configuration names', () => {
  it('reads the shipped packs, named detections/<pack>/<file>, without their rule tests', () => {
    const files = readDetectionRuleFiles({ packs: ['strongdm'], rules: [] }, root);
    const shipped = readdirSync(join(SHIPPED_PACKS_DIR, 'strongdm')).filter(
      (name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'),
    );
    assert.ok(shipped.length > 0);
    assert.deepEqual(
      files.map((file) => file.path),
      shipped.sort().map((name) => `detections/strongdm/${name}`),
    );
    assert.ok(shippedPacks().includes('strongdm'));
    assert.ok(loadDetectionRules({ packs: ['strongdm'], rules: [] }, root).ruleSet.detections.length > 0);
  });

  it('reads rules relative to the configuration folder, folders walked in order, each file once', () => {
    const config = folder('relative', {
      'rules/b.yml': rule('b'),
      'rules/nested/a.yaml': rule('a'),
      'rules/a.tests.yml': 'tests: []\n',
      'rules/notes.md': '# not a rule',
      'one.yml': rule('one'),
    });
    const files = readDetectionRuleFiles({ packs: [], rules: ['rules/', 'one.yml', 'rules/b.yml'] }, config);
    assert.deepEqual(
      files.map((file) => file.path),
      ['rules/b.yml', 'rules/nested/a.yaml', 'one.yml'],
    );
    assert.equal(files[2].text, rule('one'));
  });

  it('refuses an unknown pack, a missing path and a folder without rules, all at once', () => {
    const config = folder('missing', { 'empty/readme.md': 'nothing here', 'only.tests.yml': 'tests: []\n' });
    const error = thrown(() =>
      readDetectionRuleFiles(
        { packs: ['strongdm', 'okta'], rules: ['rules/', 'empty', 'only.tests.yml'] },
        config,
      ),
    );
    assert.equal(error.code, 'CONFIG_INVALID');
    const problems = error.context.problems as string[];
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(
      problems[0],
      /^detections\.packs\[1\]: 'okta' is not a rule pack shipped with sluice\. Fix: use one of .*strongdm/,
    );
    assert.match(
      problems[1],
      /^detections\.rules\[0\]: 'rules\/' does not exist .*relative to the configuration file's folder/,
    );
    assert.match(problems[2], /^detections\.rules\[1\]: 'empty' holds no rule files/);
    assert.match(problems[3], /^detections\.rules\[2\]: 'only\.tests\.yml' holds no rule files/);
  });
});

describe('the rule files of a loaded configuration (cdk synth)', () => {
  const writeConfig = (name: string, rules: Record<string, string>, detections: unknown) => {
    const dir = folder(name, rules);
    const path = join(dir, 'sluice.config.json');
    writeFileSync(
      path,
      JSON.stringify({ sources: [{ name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' }], detections }),
    );
    return path;
  };

  it('fails on a bad rule with its file:line:column, relative to the configuration file', () => {
    const path = writeConfig(
      'bad-config',
      { 'rules/bad.yml': BAD_MODIFIER },
      { packs: [], rules: ['rules'] },
    );
    const config = loadConfigFile(path);
    const error = thrown(() => detectionRuleFilesOf(config));
    assert.equal(error.code, 'RULE_INVALID');
    assert.match(error.message, /^rules\/bad\.yml:7:5: .*unknown modifier "contians"/m);
  });

  it('returns the packs and the rules, from the folder of the configuration file whatever the working directory', () => {
    const path = writeConfig('good-config', { 'rules/mine.yml': rule('mine') }, { rules: ['rules/'] });
    const config = loadConfigFile(path);
    const files = detectionRuleFilesOf(config);
    assert.ok(files.some((file) => file.path.startsWith('detections/strongdm/')));
    assert.equal(files.at(-1)?.path, 'rules/mine.yml');
    assert.equal(detectionRuleFilesOf(config), files, 'read once per configuration');
  });

  it('has no rule files without detections, and reads a configuration given as an object from the folder given', () => {
    assert.deepEqual(
      detectionRuleFilesOf(
        parseConfig({ sources: [{ name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' }] }),
      ),
      [],
    );
    const dir = folder('object-config', { 'rules/x.yml': rule('x') });
    const config = parseConfig({
      sources: [{ name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      detections: { packs: [], rules: ['rules'] },
    });
    assert.deepEqual(
      detectionRuleFilesOf(config, dir).map((file) => file.path),
      ['rules/x.yml'],
    );
  });
});
