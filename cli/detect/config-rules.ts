import { dirname } from 'node:path';
import { readDetectionRuleFiles } from '../../lambda/core/config/detection-rules';
import type { DetectionEngineOptions } from '../../lambda/core/detections/engine';
import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';
import { runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import type { CliConfig } from '../shared/config';
import { usageError } from '../shared/errors';
import { readRuleFiles, SHIPPED_RULES_DIR } from './rule-files';

/** How the engine dedupes and how late a record may join its window: the configuration's, else the engine's defaults. */
export type DetectionTiming = Pick<DetectionEngineOptions, 'dedupPeriodMs' | 'latenessMs'>;

/** The rules a `sluice detect` command runs, and the timing the forwarder would run them with. */
export interface DetectRules {
  readonly files: readonly RuleFile[];
  readonly timing: DetectionTiming;
}

export interface DetectRulesRequest {
  /** Rule files or folders named on the command line: they replace the configuration's rules. */
  readonly paths?: readonly string[];
  /** `--rules` folders: loaded as well, whichever rules are the base. */
  readonly extra?: readonly string[];
}

/**
 * The rules to run: those named on the command line; else, when the configuration has `detections`,
 * its packs and rules read exactly as `cdk synth` bundles them (so that a rule synth refuses is
 * refused here too, and `"packs": []` runs no shipped pack); else the shipped packs. `--rules`
 * folders are added to any of these. The timing is the configuration's whatever the rules, as the
 * deployed forwarder would count with it.
 */
export function detectRules(
  request: DetectRulesRequest,
  cli: CliConfig | undefined,
  cwd: string,
): DetectRules {
  const detections = cli?.config.detections;
  const runtime = cli && detections ? runtimeConfigOf(cli.config).detections : undefined;
  const timing: DetectionTiming = runtime
    ? { dedupPeriodMs: runtime.dedupPeriodMs, latenessMs: runtime.latenessMs }
    : {};
  if (request.paths?.length || !cli || !detections) return { files: readRuleFiles(request, cwd), timing };
  // The packs from the CLI's own folder (also inside the compiled CLI), named as the stack names them.
  const configured = readDetectionRuleFiles(detections, dirname(cli.path), SHIPPED_RULES_DIR);
  const extra = request.extra?.length ? readRuleFiles({ paths: request.extra }, cwd) : [];
  const files = [...configured, ...extra.filter((file) => !configured.some((own) => own.path === file.path))];
  if (files.length === 0)
    throw usageError(
      `the detections of ${cli.path} name no rules (packs and rules are empty). Fix: add a pack or rules to it, name rule files, or pass --rules <dir>`,
    );
  return { files, timing };
}
