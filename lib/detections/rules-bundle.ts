import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';
import { DETECTION_RULES_FILE } from '../../lambda/forwarder/detection-env';
import { BundledFiles, type BundledFile } from '../bundled-files';

/** The file the forwarder reads its rules from, beside its handler in the bundle. */
export { DETECTION_RULES_FILE };

/** The detection rules (`[{ path, text }]`, compiled already) as the forwarder's bundle holds them. */
export function detectionRulesFile(rules: readonly RuleFile[]): BundledFile {
  return {
    name: DETECTION_RULES_FILE,
    text: JSON.stringify(rules.map(({ path, text }) => ({ path, text }))),
  };
}

/** Puts the detection rules into a function's bundle as `detection-rules.json` (see BundledFiles). */
export class DetectionRulesBundle extends BundledFiles {
  /** Where the file was written at synth. */
  readonly file: string;

  constructor(rules: readonly RuleFile[]) {
    super([detectionRulesFile(rules)]);
    this.file = this.paths.get(DETECTION_RULES_FILE)!;
  }
}
