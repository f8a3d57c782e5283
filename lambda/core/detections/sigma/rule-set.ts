import { RuleError } from '../errors';
import { compileCorrelationRule } from './correlation-rule';
import { compileDetectionRule } from './detection-rule';
import { readMeta } from './meta';
import { entry, errorAt, parseRuleFile, treeFromPlain, type RuleDocument } from './tree';
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

/** Cross-checks compiled rules: unique ids, names and keys; correlation references resolved. */
export function buildRuleSet(rules: readonly CompiledRule[]): RuleSet {
  const byKey = new Map<string, CompiledRule>();
  const byRef = new Map<string, CompiledRule>();
  const duplicate = (rule: CompiledRule, what: string, other: CompiledRule) =>
    new RuleError(
      { file: rule.file, line: rule.line },
      `${what} is also used by "${other.title}" (${other.file}${other.line ? `:${other.line}` : ''}); rules need unique ids and names`,
    );
  for (const rule of rules) {
    const sameKey = byKey.get(rule.key);
    if (sameKey) throw duplicate(rule, `rule key "${rule.key}"`, sameKey);
    byKey.set(rule.key, rule);
    for (const ref of [rule.id, rule.name]) {
      if (ref === undefined) continue;
      const other = byRef.get(ref);
      if (other && other !== rule) throw duplicate(rule, `"${ref}"`, other);
      byRef.set(ref, rule);
    }
  }
  const detections = rules.filter((rule): rule is DetectionRule => rule.kind === 'detection');
  const referenced = new Set<string>();
  const generated = new Set<string>();
  const correlations = rules
    .filter((rule): rule is CorrelationRule => rule.kind === 'correlation')
    .map((rule) => {
      const bases = rule.references.map(({ ref, line, column }) => {
        const target = byRef.get(ref);
        if (!target)
          throw new RuleError(
            { file: rule.file, line, column },
            `correlation.rules: no rule has the id or name "${ref}"`,
          );
        if (target.kind !== 'detection') {
          throw new RuleError(
            { file: rule.file, line, column },
            `correlation.rules: "${ref}" is a correlation; chained correlations are not supported`,
          );
        }
        referenced.add(target.key);
        if (rule.generate) generated.add(target.key);
        return target;
      });
      return { rule, bases: [...new Set(bases)] };
    });
  const standalone = new Set(
    detections.filter((rule) => !referenced.has(rule.key) || generated.has(rule.key)).map((rule) => rule.key),
  );
  return { detections, correlations, standalone };
}

export interface LoadResult {
  /** Present when every file compiled. */
  readonly ruleSet?: RuleSet;
  /** Every file's first error, then cross-file errors: what `sluice detect validate` prints. */
  readonly errors: readonly RuleError[];
}

/** Compiles files, collecting errors rather than stopping at the first file that fails. */
export function loadRules(files: readonly RuleFile[]): LoadResult {
  const errors: RuleError[] = [];
  const rules: CompiledRule[] = [];
  for (const file of files) {
    try {
      rules.push(...compileRuleFile(file));
    } catch (error) {
      if (error instanceof RuleError) errors.push(error);
      else throw error;
    }
  }
  if (errors.length > 0) return { errors };
  try {
    return { ruleSet: buildRuleSet(rules), errors };
  } catch (error) {
    if (error instanceof RuleError) return { errors: [error] };
    throw error;
  }
}

/** Compiles files or throws the first RuleError (Lambda start-up, `cdk synth`). */
export function compileRuleSet(files: readonly RuleFile[]): RuleSet {
  const { ruleSet, errors } = loadRules(files);
  if (!ruleSet) throw errors[0];
  return ruleSet;
}
