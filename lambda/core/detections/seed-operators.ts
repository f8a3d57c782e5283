import { stringify } from 'yaml';

/**
 * Seed 004's rule model (a list of `{field, operator, value}` conditions, ANDed, with a threshold in
 * a time window grouped by source address and user) expressed in Sigma. The table is data: the
 * README's table and the converter below are both made from it.
 */
export interface OperatorMapping {
  readonly operator: string;
  /** What seed 004's engine does with it. */
  readonly seed: string;
  /** The Sigma that does the same in sluice. */
  readonly sigma: string;
  /** Written in a `not` selection of the condition (Sigma has no negating modifier sluice runs). */
  readonly negated: boolean;
  /** Where the meanings differ, said plainly. */
  readonly note?: string;
}

export const SEED_OPERATORS: readonly OperatorMapping[] = [
  {
    operator: 'equals',
    seed: 'event_value == value',
    sigma: "field|cased: 'value'",
    negated: false,
    note: "Plain `field: 'value'` is case-insensitive in Sigma; `cased` gives seed 004's exact match. Numbers also match numeric text (\"20\" = 20).",
  },
  {
    operator: 'not_equals',
    seed: 'event_value != value',
    sigma: "filter: {field|cased: 'value'}, condition: … and not filter",
    negated: true,
    note: 'An absent field matches, as in seed 004 (None != value).',
  },
  {
    operator: 'contains',
    seed: 'value in str(event_value)',
    sigma: "field|contains|cased: 'value'",
    negated: false,
    note: 'Drop `cased` for the usual case-insensitive Sigma search. `*`, `?` and `\\` in the value are escaped.',
  },
  {
    operator: 'regex',
    seed: 're.match(value, str(event_value))',
    sigma: "field|re: '^(?:value)'",
    negated: false,
    note: "Python's re.match anchors at the start; Sigma's `re` searches anywhere, hence the `^`.",
  },
  { operator: 'greater_than', seed: 'event_value > value', sigma: 'field|gt: number', negated: false },
  { operator: 'less_than', seed: 'event_value < value', sigma: 'field|lt: number', negated: false },
  {
    operator: 'in',
    seed: 'event_value in value',
    sigma: 'field|cased: [a, b, c]',
    negated: false,
    note: 'A list of values is their OR.',
  },
  {
    operator: 'not_in',
    seed: 'event_value not in value',
    sigma: 'filter: {field|cased: [a, b, c]}, condition: … and not filter',
    negated: true,
  },
];

/** Seed 004's severities onto Sigma levels. */
export const SEED_SEVERITY_LEVELS: Readonly<Record<string, string>> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  info: 'informational',
};

export interface SeedCondition {
  readonly field: string;
  readonly operator: string;
  readonly value: unknown;
}

/** Seed 004's CorrelationRule. */
export interface SeedRule {
  readonly rule_id: string;
  readonly name: string;
  readonly description?: string;
  readonly severity: string;
  readonly conditions: readonly SeedCondition[];
  /** Seconds. */
  readonly time_window: number;
  readonly threshold: number;
  readonly action?: string;
}

/** Seed 004 groups by the source address and the user when they are present. */
export const SEED_GROUP_BY = ['source.ip', 'actor.user_id'];

function escapeSigma(text: string): string {
  return text.replace(/[\\*?]/g, '\\$&');
}

function cased(value: unknown): unknown {
  return typeof value === 'string' ? escapeSigma(value) : value;
}

function selectionFor(condition: SeedCondition): Record<string, unknown> {
  const { field, operator, value } = condition;
  switch (operator) {
    case 'equals':
    case 'not_equals':
      return typeof value === 'string' ? { [`${field}|cased`]: cased(value) } : { [field]: value };
    case 'in':
    case 'not_in': {
      if (!Array.isArray(value) || value.length === 0)
        throw new Error(`${operator} on ${field} needs a non-empty list`);
      const anyText = value.some((item) => typeof item === 'string');
      return { [anyText ? `${field}|cased` : field]: value.map(cased) };
    }
    case 'contains':
      return { [`${field}|contains|cased`]: escapeSigma(String(value)) };
    case 'regex':
      return { [`${field}|re`]: `^(?:${String(value)})` };
    case 'greater_than':
    case 'less_than':
      if (typeof value !== 'number') throw new Error(`${operator} on ${field} needs a number`);
      return { [`${field}|${operator === 'greater_than' ? 'gt' : 'lt'}`]: value };
    default:
      throw new Error(
        `seed 004 operator "${operator}" is unknown (known: ${SEED_OPERATORS.map((o) => o.operator).join(', ')})`,
      );
  }
}

function timespanOf(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new Error(`time_window must be whole seconds, not ${seconds}`);
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * A seed 004 rule as two Sigma documents: a detection rule for its conditions and an event_count
 * correlation for its threshold, window and grouping. `product`/`service` say where it runs.
 */
export function convertSeedRule(
  rule: SeedRule,
  logsource: { readonly product?: string; readonly service?: string },
): [Record<string, unknown>, Record<string, unknown>] {
  const detection: Record<string, unknown> = {};
  const positive: string[] = [];
  const negative: string[] = [];
  rule.conditions.forEach((condition, index) => {
    const mapping = SEED_OPERATORS.find((entry) => entry.operator === condition.operator);
    const name = `${mapping?.negated ? 'filter' : 'match'}_${index + 1}`;
    detection[name] = selectionFor(condition);
    (mapping?.negated ? negative : positive).push(name);
  });
  if (positive.length === 0) throw new Error(`${rule.rule_id}: a rule needs at least one positive condition`);
  detection.condition = [
    positive.length === 1 ? positive[0] : 'all of match_*',
    ...negative.map((name) => `not ${name}`),
  ].join(' and ');
  const level = SEED_SEVERITY_LEVELS[rule.severity];
  if (!level) throw new Error(`${rule.rule_id}: severity "${rule.severity}" is unknown`);
  const base = {
    title: `${rule.name} (matching event)`,
    name: `${rule.rule_id}_event`,
    description: rule.description,
    logsource,
    detection,
    level: 'informational',
  };
  const correlation = {
    title: rule.name,
    name: rule.rule_id,
    description: rule.description,
    level,
    correlation: {
      type: 'event_count',
      rules: [base.name],
      'group-by': SEED_GROUP_BY,
      timespan: timespanOf(rule.time_window),
      condition: { gte: rule.threshold },
    },
  };
  return [base, correlation];
}

/** The converted rule as a two-document Sigma YAML file. */
export function seedRuleToSigmaYaml(
  rule: SeedRule,
  logsource: { readonly product?: string; readonly service?: string },
): string {
  return convertSeedRule(rule, logsource)
    .map((document) => stringify(document))
    .join('---\n');
}

/** The mapping as a Markdown table (README.md and docs/detections.md carry it; a test keeps them equal). */
export function seedOperatorTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = SEED_OPERATORS.map(
    (entry) =>
      `| \`${entry.operator}\` | \`${cell(entry.seed)}\` | \`${cell(entry.sigma)}\` | ${cell(entry.note ?? '')} |`,
  );
  return [
    '| seed 004 operator | seed 004 does | Sigma in sluice | note |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
