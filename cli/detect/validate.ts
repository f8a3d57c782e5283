import { formatLocation } from '../../lambda/core/detections/errors';
import { isMisnamedRuleTestFile, ruleTestNameHint } from '../../lambda/core/detections/rule-file-names';
import { RuleIndex } from '../../lambda/core/detections/rule-index';
import type { Logsource, SourceDescriptor } from '../../lambda/core/detections/sigma/logsource';
import { loadRules, type RuleFile, type RuleSet } from '../../lambda/core/detections/sigma/rule-set';

/** A rule that does not compile, where and why. */
export interface RuleProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly reason: string;
  /** `file:line:column: reason`, as editors and CI annotations read it. */
  readonly message: string;
}

/** A rule that compiles but runs on no configured source. */
export interface UnboundRule {
  readonly rule: string;
  readonly title: string;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly logsource: Logsource;
}

export interface ValidateReport {
  readonly files: readonly string[];
  readonly detections: number;
  readonly correlations: number;
  readonly problems: readonly RuleProblem[];
  /** Checked against the configuration's sources; empty without a configuration. */
  readonly unbound: readonly UnboundRule[];
  /** The sources rules were bound to, or undefined when no configuration was found. */
  readonly sources?: readonly string[];
}

/** Compiles every rule file, collecting every problem, and lists the rules no configured source runs. */
export function validateRules(
  files: readonly RuleFile[],
  sources: readonly SourceDescriptor[] | undefined,
): { report: ValidateReport; ruleSet?: RuleSet } {
  const { ruleSet, errors } = loadRules(files);
  const problems = errors.map((error) => {
    // A rule test named `*.test.yml` is read as a rule and fails: say what it likely is.
    const hint = isMisnamedRuleTestFile(error.file) ? ` (${ruleTestNameHint(error.file)})` : '';
    return {
      file: error.file,
      line: error.line,
      column: error.column,
      reason: `${error.reason}${hint}`,
      message: `${error.message}${hint}`,
    };
  });
  const unbound =
    ruleSet && sources
      ? new RuleIndex(ruleSet, sources).unbound().map((rule) => ({
          rule: rule.name ?? rule.key,
          title: rule.title,
          file: rule.file,
          line: rule.line,
          column: rule.column,
          logsource: rule.logsource,
        }))
      : [];
  return {
    ruleSet,
    report: {
      files: files.map((file) => file.path),
      detections: ruleSet?.detections.length ?? 0,
      correlations: ruleSet?.correlations.length ?? 0,
      problems,
      unbound,
      sources: sources?.map((source) => source.name),
    },
  };
}

/** Where an unbound rule would run, and why nothing runs it. */
export function unboundReason(rule: UnboundRule, sources: readonly string[]): string {
  const { product, service, category } = rule.logsource;
  const where = formatLocation(rule);
  const said = product
    ? `logsource product "${product}" is no configured source's preset or name (${sources.join(', ') || 'none'})`
    : service
      ? 'logsource names a service but no product, and no source is configured'
      : `logsource has only a category ("${category ?? ''}"), which binds to no source`;
  return `${where}: rule "${rule.rule}" runs nowhere: ${said}`;
}

export function renderValidate(report: ValidateReport): string {
  if (report.problems.length > 0) {
    const files = new Set(report.problems.map((problem) => problem.file)).size;
    return [
      ...report.problems.map((problem) => problem.message),
      `${report.problems.length} problem(s) in ${files} of ${report.files.length} rule file(s)`,
    ].join('\n');
  }
  return `${report.detections + report.correlations} rule(s) in ${report.files.length} file(s) compile: ${report.detections} detection, ${report.correlations} correlation${report.unbound.length > 0 ? `; ${report.unbound.length} run on no configured source` : ''}`;
}
