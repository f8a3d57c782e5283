import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { compileDetectionRules } from '../detections/load-rules';
import { isRuleFile, isRuleTestFile } from '../detections/rule-file-names';
import type { RuleFile, RuleSet } from '../detections/sigma/rule-set';
import { SluiceError } from '../errors';
import type { DetectionsConfig } from './detections';
import { configFolderOf } from './load';
import type { SluiceConfig } from './schema';

/**
 * The rule packs shipped with sluice: the package's `detections/` folder, found from this file (three
 * folders below the package root), never from the working directory. Not valid inside the bundled CLI,
 * whose chunks sit two folders below the root: it passes its own (cli/detect/rule-files.ts).
 */
export const SHIPPED_PACKS_DIR = join(__dirname, '..', '..', '..', 'detections');

/** The detection rules of a configuration: the files as the stack bundles them, and their compiled set. */
export interface DetectionRules {
  /** Packs first (`detections/<pack>/…`), then `rules` (relative to the configuration's folder). */
  readonly files: readonly RuleFile[];
  readonly ruleSet: RuleSet;
}

const posix = (path: string): string => path.split(sep).join('/');

/** The shipped pack names: the folders of `packsDir`. */
export function shippedPacks(packsDir: string = SHIPPED_PACKS_DIR): string[] {
  try {
    return readdirSync(packsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** Rule files under `path` (a folder, walked in name order; or a file named directly, unless a rule test), absolute. */
function ruleFilesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return isRuleTestFile(path) ? [] : [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) return ruleFilesUnder(child);
      return isRuleFile(child) ? [child] : [];
    });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the rule files `detections` names: the shipped packs, then the `rules` files and folders
 * (relative to `configDir`). Each file once, named `detections/<pack>/<file>` or by its path relative
 * to `configDir`, so that the bundle is the same on every machine. Throws `CONFIG_INVALID` naming every
 * pack or path that is not there.
 */
export function readDetectionRuleFiles(
  detections: Pick<DetectionsConfig, 'packs' | 'rules'>,
  configDir: string,
  packsDir: string = SHIPPED_PACKS_DIR,
): RuleFile[] {
  const problems: string[] = [];
  const found = new Map<string, string>();
  detections.packs.forEach((pack, index) => {
    const folder = join(packsDir, pack);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(pack) || !exists(folder) || !statSync(folder).isDirectory()) {
      const packs = shippedPacks(packsDir);
      problems.push(
        `detections.packs[${index}]: '${pack}' is not a rule pack shipped with sluice. Fix: use one of ${packs.join(', ') || '(none found)'}, or name your own rules in detections.rules`,
      );
      return;
    }
    for (const file of ruleFilesUnder(folder)) {
      if (!found.has(file)) found.set(file, posix(join('detections', pack, relative(folder, file))));
    }
  });
  detections.rules.forEach((path, index) => {
    const absolute = resolve(configDir, path);
    if (!exists(absolute)) {
      problems.push(
        `detections.rules[${index}]: '${path}' does not exist (${absolute}; rules are relative to the configuration file's folder). Fix: correct the path, or remove it`,
      );
      return;
    }
    const files = ruleFilesUnder(absolute);
    if (files.length === 0) {
      problems.push(
        `detections.rules[${index}]: '${path}' holds no rule files (*.yml, *.yaml; *.tests.yml are rule tests). Fix: add rules, or remove it`,
      );
    }
    for (const file of files) {
      const shown = relative(configDir, file);
      if (!found.has(file)) found.set(file, posix(isAbsolute(shown) ? file : shown));
    }
  });
  if (problems.length > 0) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `sluice configuration's detections are invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      { problems },
    );
  }
  return [...found].map(([file, path]) => ({ path, text: readFileSync(file, 'utf8') }));
}

/**
 * Reads and compiles the rules `detections` names. Throws `CONFIG_INVALID` for a missing pack or path,
 * `RULE_INVALID` listing `file:line:column: reason` for every rule that does not compile.
 */
export function loadDetectionRules(
  detections: Pick<DetectionsConfig, 'packs' | 'rules'>,
  configDir: string,
  packsDir: string = SHIPPED_PACKS_DIR,
): DetectionRules {
  const files = readDetectionRuleFiles(detections, configDir, packsDir);
  return { files, ruleSet: compileDetectionRules(files) };
}

const loaded = new WeakMap<SluiceConfig, Map<string, readonly RuleFile[]>>();

/**
 * The rule files of a configuration, compiled (`[]` without `detections`): what `cdk synth` writes into
 * the forwarder's bundle as `detection-rules.json`. `configDir` defaults to the folder of the file
 * `loadConfigFile` read `config` from, else the working directory. Read once per configuration and
 * folder; throws as `loadDetectionRules` does.
 */
export function detectionRuleFilesOf(config: SluiceConfig, configDir?: string): readonly RuleFile[] {
  if (!config.detections) return [];
  const folder = resolve(configDir ?? configFolderOf(config) ?? process.cwd());
  let byFolder = loaded.get(config);
  if (!byFolder) {
    byFolder = new Map();
    loaded.set(config, byFolder);
  }
  let files = byFolder.get(folder);
  if (!files) {
    files = loadDetectionRules(config.detections, folder).files;
    byFolder.set(folder, files);
  }
  return files;
}
