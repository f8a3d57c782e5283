import { logsourceMatches, type SourceDescriptor } from './sigma/logsource';
import type { BoundCorrelation, RuleSet } from './sigma/rule-set';
import type { DetectionRule } from './sigma/types';
import { copyableKeysOf } from './top-level-keys';

/** What runs on one (source, log type): the detection rules, and for each the correlations it feeds. */
export interface RulesForLogType {
  readonly rules: readonly DetectionRule[];
  /** Per rule (same index): does it alert on its own, and which correlations count it. */
  readonly standalone: readonly boolean[];
  readonly correlations: readonly (readonly BoundCorrelation[])[];
}

const NONE: RulesForLogType = { rules: [], standalone: [], correlations: [] };

/**
 * Rules bound to the configured sources: a record is tested only against the rules whose logsource
 * names its source and log type (looked up once per pair, then cached), so a queries rule costs
 * nothing on activities.
 */
export class RuleIndex {
  private readonly cache = new Map<string, Map<string, RulesForLogType>>();
  private readonly fieldsBySource = new Map<string, readonly string[] | undefined>();
  private readonly sources: ReadonlyMap<string, SourceDescriptor>;

  constructor(
    readonly ruleSet: RuleSet,
    sources: readonly SourceDescriptor[],
  ) {
    this.sources = new Map(sources.map((source) => [source.name, source]));
  }

  rulesFor(sourceName: string, logType: string): RulesForLogType {
    // Two plain lookups per record: no key is built.
    let bySource = this.cache.get(sourceName);
    if (!bySource) {
      bySource = new Map();
      this.cache.set(sourceName, bySource);
    }
    const cached = bySource.get(logType);
    if (cached) return cached;
    const source = this.sources.get(sourceName);
    const rules = source
      ? [...this.ruleSet.detections]
          .filter((rule) => logsourceMatches(rule.logsource, source, logType))
          .sort((a, b) => a.cost - b.cost)
      : [];
    const bound: RulesForLogType =
      rules.length === 0
        ? NONE
        : {
            rules,
            standalone: rules.map((rule) => this.ruleSet.standalone.has(rule.key)),
            correlations: rules.map((rule) =>
              this.ruleSet.correlations.filter((correlation) => correlation.bases.includes(rule)),
            ),
          };
    bySource.set(logType, bound);
    return bound;
  }

  /**
   * The top-level fields the rules that can run on a source's records read (whatever their log
   * type), the correlations' group-by and counted fields included: a reader that finds only these
   * fields gives the rules what the whole record would. Undefined when a rule has keyword searches
   * (they read every value) or a field no copy can hold (see copyableKeysOf): the record is parsed whole.
   */
  fieldsOf(sourceName: string): readonly string[] | undefined {
    // Asked once per object read: computed once per source.
    if (!this.fieldsBySource.has(sourceName))
      this.fieldsBySource.set(sourceName, this.computeFieldsOf(sourceName));
    return this.fieldsBySource.get(sourceName);
  }

  private computeFieldsOf(sourceName: string): readonly string[] | undefined {
    const source = this.sources.get(sourceName);
    if (!source) return [];
    const rules = this.ruleSet.detections.filter((rule) => logsourceMatches(rule.logsource, source));
    if (rules.some((rule) => rule.readsWholeRecord)) return undefined;
    const paths = rules.flatMap((rule) => rule.fields);
    for (const { rule, bases } of this.ruleSet.correlations) {
      if (!bases.some((base) => rules.includes(base))) continue;
      paths.push(...rule.groupBy.map(({ name }) => name), ...(rule.field ? [rule.field.name] : []));
    }
    return copyableKeysOf(paths);
  }

  /**
   * Rules that can run on no configured source (a product no source has, or only a category):
   * `sluice detect validate` warns about them. Log types are open-ended, so a service is not checked.
   */
  unbound(): DetectionRule[] {
    const sources = [...this.sources.values()];
    return this.ruleSet.detections.filter(
      (rule) => !sources.some((source) => logsourceMatches(rule.logsource, source)),
    );
  }
}
