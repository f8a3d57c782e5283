import { isMisnamedRuleTestFile, ruleTestNameHint } from '../../lambda/core/detections/rule-file-names';
import { usageError } from '../shared/errors';
import { displayPath, findFiles, isRecordOrTestFile } from './rule-files';

export interface DetectTestInputs {
  /** Record files and rule test files, absolute. */
  readonly files: readonly string[];
  /** `*.test.yml` files left out, shown as the operator named them: almost surely rule tests misnamed. */
  readonly misnamed: readonly string[];
}

/** The hint for misnamed rule test files, or '' when there are none. */
export function misnamedHint(misnamed: readonly string[]): string {
  if (misnamed.length === 0) return '';
  return `${misnamed.join(', ')} ${misnamed.length === 1 ? 'is' : 'are'} not read: ${ruleTestNameHint(misnamed[0])}`;
}

/**
 * What `sluice detect test` reads: record files and `*.tests.yml` files under `paths`. Finding none
 * is a usage error, not an empty success: a run that tests nothing must not pass CI. A `*.test.yml`
 * is never read (as records it would be unreadable, as a rule test it is misnamed); it is reported.
 */
export function detectTestInputs(paths: readonly string[], cwd: string): DetectTestInputs {
  const misnamedFiles = findFiles(paths, cwd, isMisnamedRuleTestFile).filter(isMisnamedRuleTestFile);
  const files = findFiles(paths, cwd, isRecordOrTestFile).filter((path) => !misnamedFiles.includes(path));
  const misnamed = misnamedFiles.map((path) => displayPath(path, cwd));
  if (files.length === 0) {
    throw usageError(
      `no records or *.tests.yml found in ${paths.join(', ')}. ${
        misnamedHint(misnamed) ||
        'Fix: name record files (*.json, *.ndjson, *.jsonl, *.log, gzip too) or rule test files (<rule>.tests.yml)'
      }`,
    );
  }
  return { files, misnamed };
}
