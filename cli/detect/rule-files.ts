import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isRuleFile, isRuleTestFile } from '../../lambda/core/detections/rule-file-names';
import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';
import { usageError } from '../shared/errors';

/**
 * The rule packs that ship with sluice: the package's `detections/` folder, found from this file
 * (two folders below the package root, as the compiled CLI's chunks are), never from the working
 * directory.
 */
export const SHIPPED_RULES_DIR = join(__dirname, '..', '..', 'detections');

export { isRuleTestFile };

/** What a folder given to `detect test` is walked for: record files (gzip or not) and rule test files. */
export function isRecordOrTestFile(path: string): boolean {
  return isRuleTestFile(path) || /\.(json|ndjson|jsonl|log|txt)(\.gz)?$|\.gz$/i.test(path);
}

/** How a file is named in messages: relative to the working directory when it is inside it. */
export function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  const shown = inside === '' || inside.startsWith('..') ? path : inside;
  return shown.split(sep).join('/');
}

/**
 * The files named by `paths`, folders walked (sorted, recursively) for the files `wanted` accepts;
 * a file named directly is taken as it is. Absolute paths.
 */
export function findFiles(
  paths: readonly string[],
  cwd: string,
  wanted: (path: string) => boolean,
): string[] {
  const found: string[] = [];
  const visit = (path: string, named: boolean): void => {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw usageError(`'${displayPath(path, cwd)}' does not exist`);
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (info.isFile() && (named || wanted(path))) {
      found.push(path);
    }
  };
  for (const path of paths) visit(resolve(cwd, path), true);
  return [...new Set(found)];
}

/**
 * The rule files to load: those named (files or folders), else the shipped packs; plus every
 * `--rules` folder. Test files beside the rules are left out.
 */
export function readRuleFiles(
  options: { readonly paths?: readonly string[]; readonly extra?: readonly string[] },
  cwd: string,
): RuleFile[] {
  const roots = [...(options.paths?.length ? options.paths : [SHIPPED_RULES_DIR]), ...(options.extra ?? [])];
  const files = findFiles(roots, cwd, isRuleFile).filter((path) => !isRuleTestFile(path));
  if (files.length === 0)
    throw usageError(
      `no rule files (*.yml, *.yaml; *.tests.yml are rule tests) in ${roots.join(', ')}. Fix: name Sigma rule files or folders that hold them (detect test takes the rules first, then the record files)`,
    );
  return files.map((path) => ({ path: displayPath(path, cwd), text: readFileSync(path, 'utf8') }));
}
