import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetStaging } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';

import { DETECTION_RULES_FILE } from '../../lambda/forwarder/detection-env';

/** The file the forwarder reads its rules from, beside its handler in the bundle. */
export { DETECTION_RULES_FILE };

function posixQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Puts the detection rules (`[{ path, text }]`, compiled already) into a function's bundle as
 * `detection-rules.json`: the file is written at synth, and copied into the bundle after esbuild ran.
 * The bundle's asset hash is its output's, so a changed rule is a new asset and a new deployment of
 * the function. Call `dispose()` once the function is constructed (CDK bundles in its constructor).
 */
export class DetectionRulesBundle implements nodejs.ICommandHooks {
  /** SHA-256 of the file: part of CDK's in-process asset cache key (serialized with the hooks). */
  readonly digest: string;
  readonly file: string;
  private readonly dir: string;

  constructor(rules: readonly RuleFile[]) {
    const text = JSON.stringify(rules.map(({ path, text }) => ({ path, text })));
    this.digest = createHash('sha256').update(text).digest('hex');
    this.dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'));
    this.file = join(this.dir, DETECTION_RULES_FILE);
    writeFileSync(this.file, text);
  }

  beforeBundling(): string[] {
    return [];
  }

  beforeInstall(): string[] {
    return [];
  }

  afterBundling(_inputDir: string, outputDir: string): string[] {
    if (outputDir === AssetStaging.BUNDLING_OUTPUT_DIR) {
      // The container cannot see the file written on this machine: say so instead of bundling no rules.
      return [
        'echo "sluice: detection rules are bundled with a local esbuild (npm install esbuild), not in Docker" >&2',
        'exit 1',
      ];
    }
    const target = join(outputDir, DETECTION_RULES_FILE);
    return [
      process.platform === 'win32'
        ? `copy /Y "${this.file}" "${target}"`
        : `cp ${posixQuote(this.file)} ${posixQuote(target)}`,
    ];
  }

  /** Removes the file written at synth. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
