import { formatLocation, RuleError } from '../errors';
import { compileCorrelationRule } from './correlation-rule';
import { compileDetectionRule } from './detection-rule';
import { readMeta } from './meta';
import { entry, errorAt, parseRuleFile, readRuleFile, treeFromPlain, type RuleDocument } from './tree';
import type { CompiledRule, CorrelationRule, DetectionRule } from './types';

export interface RuleFile {
  /** Path or name shown in errors, e.g. `detections/strongdm/sdm_destructive_sql_prod.yml`. */
  readonly path: string;
  readonly text: string;
}

/** A correlation with its referenced detection rules resolved. */
export interface BoundCorrelation {
  readonly rule: CorrelationRule;
  readonly bases: readonly DetectionRule[];
}

/** Every rule of a deployment, compiled and cross-checked. */
export interface RuleSet {
  readonly detections: readonly DetectionRule[];
  readonly correlations: readonly BoundCorrelation[];
  /**
   * Keys of the detection rules that alert on their own: all but those referenced only by
   * correlations with `generate: false` (Sigma's default), which feed their correlations silently.
   */
  readonly standalone: ReadonlySet<string>;
}

/** Compiles one YAML document (or a rule given as plain data) into a rule. */
export function compileDocument(document: RuleDocument): CompiledRule {
  const { file, root } = document;
  if (root.kind !== 'map') throw errorAt(file, root.at, 'a rule document must be a map');
  const action = entry(root, 'action');
  if (action)
    throw errorAt(
      file,
      action.keyAt,
      'Sigma v1 rule collections ("action: global/reset/repeat") are not supported',
    );
  if (entry(root, 'filter'))
    throw errorAt(file, entry(root, 'filter')!.keyAt, 'Sigma filter documents are not supported');
  const hasDetection = entry(root, 'detection') !== undefined;
  const hasCorrelation = entry(root, 'correlation') !== undefined;
  if (hasDetection && hasCorrelation)
    throw errorAt(file, root.at, 'a rule has either detection or correlation, not both');
  if (!hasDetection && !hasCorrelation)
    throw errorAt(file, root.at, 'a rule needs a detection (or a correlation) section');
  const meta = readMeta(document, root);
  return hasDetection
    ? compileDetectionRule(document, root, meta)
    : compileCorrelationRule(document, root, meta);
}

/** Compiles every document of a Sigma YAML file. */
export function compileRuleFile(file: RuleFile): CompiledRule[] {
  return parseRuleFile(file.path, file.text).map(compileDocument);
}

/** Compiles a rule given as plain data (e.g. converted from seed 004's model); errors name `path` only. */
export function compilePlainRule(path: string, rule: unknown): CompiledRule {
  return compileDocument({ file: path, index: 0, root: treeFromPlain(rule) });
}

/** Cross-checks compiled rules (unique ids, names and keys; correlation references resolved), throwing the first problem. */
export function buildRuleSet(rules: readonly CompiledRule[]): RuleSet {
  const { ruleSet, errors } = checkRuleSet(rules);
  if (!ruleSet) throw errors[0];
  return ruleSet;
}

/**
 * Cross-checks compiled rules, collecting every problem: unique ids, names and keys; correlation
 * references resolved to detection rules. The rule set is there when there is none.
 */
export function checkRuleSet(rules: readonly CompiledRule[]): {
  ruleSet?: RuleSet;
  errors: RuleError[];
  /** References to no rule (also in `errors`): a caller whose other rules failed to compile may drop them. */
  unresolved: RuleError[];
} {
  const errors: RuleError[] = [];
  const unresolved: RuleError[] = [];
  const byKey = new Map<string, CompiledRule>();
  const byRef = new Map<string, CompiledRule>();
  const duplicate = (rule: CompiledRule, what: string, other: CompiledRule) =>
    new RuleError(
      { file: rule.file, line: rule.line, column: rule.column },
      `${what} is also used by "${other.title}" (${formatLocation(other)}); rules need unique ids and names`,
    );
  for (const rule of rules) {
    const sameKey = byKey.get(rule.key);
    if (sameKey) {
      errors.push(duplicate(rule, `rule key "${rule.key}"`, sameKey));
      continue;
    }
    byKey.set(rule.key, rule);
    for (const ref of [rule.id, rule.name]) {
      if (ref === undefined) continue;
      const other = byRef.get(ref);
      if (other && other !== rule) errors.push(duplicate(rule, `"${ref}"`, other));
      else byRef.set(ref, rule);
    }
  }
  const detections = rules.filter((rule): rule is DetectionRule => rule.kind === 'detection');
  const referenced = new Set<string>();
  const generated = new Set<string>();
  const correlations: BoundCorrelation[] = [];
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    const bases: DetectionRule[] = [];
    for (const { ref, line, column } of rule.references) {
      const target = byRef.get(ref);
      if (!target) {
        const error = new RuleError(
          { file: rule.file, line, column },
          `correlation.rules: no rule has the id or name "${ref}"`,
        );
        errors.push(error);
        unresolved.push(error);
        continue;
      }
      if (target.kind !== 'detection') {
        errors.push(
          new RuleError(
            { file: rule.file, line, column },
            `correlation.rules: "${ref}" is a correlation; chained correlations are not supported`,
          ),
        );
        continue;
      }
      referenced.add(target.key);
      if (rule.generate) generated.add(target.key);
      bases.push(target);
    }
    correlations.push({ rule, bases: [...new Set(bases)] });
  }
  if (errors.length > 0) return { errors, unresolved };
  const standalone = new Set(
    detections.filter((rule) => !referenced.has(rule.key) || generated.has(rule.key)).map((rule) => rule.key),
  );
  return { ruleSet: { detections, correlations, standalone }, errors, unresolved };
}

export interface LoadResult {
  /** Present when every file compiled. */
  readonly ruleSet?: RuleSet;
  /** Every problem: each document's first (a rule stops compiling at its first), then cross-file ones. */
  readonly errors: readonly RuleError[];
}

/** Compiles files, collecting every document's error rather than stopping at the first (`sluice detect validate`). */
export function loadRules(files: readonly RuleFile[]): LoadResult {
  const errors: RuleError[] = [];
  const rules: CompiledRule[] = [];
  for (const file of files) {
    const read = readRuleFile(file.path, file.text);
    errors.push(...read.errors);
    for (const document of read.documents) {
      try {
        rules.push(compileDocument(document));
      } catch (error) {
        if (error instanceof RuleError) errors.push(error);
        else throw error;
      }
    }
  }
  const checked = checkRuleSet(rules);
  // A reference to a rule that did not compile is no separate problem.
  const compiled = errors.length === 0;
  errors.push(...checked.errors.filter((error) => compiled || !checked.unresolved.includes(error)));
  return errors.length === 0 ? { ruleSet: checked.ruleSet, errors } : { errors };
}

/** Compiles files or throws the first RuleError (Lambda start-up, `cdk synth`). */
export function compileRuleSet(files: readonly RuleFile[]): RuleSet {
  const { ruleSet, errors } = loadRules(files);
  if (!ruleSet) throw errors[0];
  return ruleSet;
}
