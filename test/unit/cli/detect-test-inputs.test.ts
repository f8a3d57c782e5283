import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectTestInputs } from '../../../cli/detect/test-inputs';
import { validateRules } from '../../../cli/detect/validate';
import { SluiceError } from '../../../lambda/core/errors';

const root = mkdtempSync(join(tmpdir(), 'sluice-detect-inputs-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

function refusal(action: () => unknown): SluiceError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SluiceError, String(error));
    return error;
  }
  assert.fail('nothing was refused');
}

describe('what `sluice detect test` reads', () => {
  it('is the record files and rule test files of the folders', () => {
    folder('both', { 'a.ndjson': '{}\n', 'r.tests.yml': 'rule: r\n', 'r.yml': 'title: r\n' });
    const { files, misnamed } = detectTestInputs(['both'], root);
    assert.deepEqual(files, [join(root, 'both', 'a.ndjson'), join(root, 'both', 'r.tests.yml')]);
    assert.deepEqual(misnamed, []);
  });

  it('refuses folders holding neither, as a usage error (exit code 2), naming them', () => {
    folder('rules-only', { 'r.yml': 'title: r\n' });
    const error = refusal(() => detectTestInputs(['rules-only', 'rules-only'], root));
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, /^no records or \*\.tests\.yml found in rules-only, rules-only\. Fix:/);
  });

  it('tells that rule test files end in .tests.yml when it finds a *.test.yml', () => {
    folder('misnamed', { 'r.yml': 'title: r\n', 'r.test.yml': 'rule: r\n' });
    const error = refusal(() => detectTestInputs(['misnamed'], root));
    assert.match(
      error.message,
      /misnamed\/r\.test\.yml is not read: rule test files end in \.tests\.yml\. Fix: .*rename it to misnamed\/r\.tests\.yml/,
    );
    folder('mixed', { 'a.ndjson': '{}\n', 'r.test.yml': 'rule: r\n' });
    assert.deepEqual(detectTestInputs(['mixed'], root).misnamed, ['mixed/r.test.yml']);
  });

  it('and says so when a *.test.yml is read as a rule and does not compile', () => {
    const { report } = validateRules([{ path: 'rules/r.test.yml', text: 'rule: r\ncases: []\n' }], undefined);
    assert.match(
      report.problems[0].message,
      /^rules\/r\.test\.yml:1:1: .*rule test files end in \.tests\.yml/,
    );
  });
});
