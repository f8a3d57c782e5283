import { parseTimespan } from '../timespan';
import { compileFieldPath } from './field-path';
import {
  describeKind,
  entry,
  errorAt,
  refuseUnknownKeys,
  type MapNode,
  type RuleDocument,
  type TreeNode,
} from './tree';
import type { CorrelationRule, CorrelationType, RuleMeta, Threshold } from './types';

const TYPES: readonly CorrelationType[] = ['event_count', 'value_count'];

/** Sigma's correlation keys (`aliases` is refused on its own, as Sigma sluice does not support). */
const CORRELATION_KEYS: readonly string[] = [
  'type',
  'rules',
  'group-by',
  'timespan',
  'condition',
  'generate',
  'aliases',
];

function fieldNames(file: string, node: TreeNode, what: string): string[] {
  const items = node.kind === 'seq' ? node.items : [node];
  return items.map((item) => {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value === '') {
      throw errorAt(file, item.at ?? node.at, `${what} must be field names`);
    }
    return item.value;
  });
}

function parseThreshold(
  file: string,
  node: TreeNode | undefined,
  at: MapNode['at'],
  type: CorrelationType,
): { threshold: Threshold; field?: string } {
  if (!node) throw errorAt(file, at, 'correlation.condition is missing, e.g. condition: {gte: 5}');
  if (node.kind !== 'map')
    throw errorAt(file, node.at, `correlation.condition must be a map, not ${describeKind(node)}`);
  let field: string | undefined;
  const bounds: { key: string; value: number; at: MapNode['at'] }[] = [];
  for (const item of node.entries) {
    if (item.key === 'field') {
      if (item.value.kind !== 'scalar' || typeof item.value.value !== 'string' || item.value.value === '') {
        throw errorAt(file, item.value.at ?? item.keyAt, 'correlation.condition.field must be a field name');
      }
      field = item.value.value;
    } else if (['gt', 'gte', 'lt', 'lte', 'eq'].includes(item.key)) {
      if (
        item.value.kind !== 'scalar' ||
        typeof item.value.value !== 'number' ||
        !Number.isInteger(item.value.value) ||
        item.value.value < 0
      ) {
        throw errorAt(
          file,
          item.value.at ?? item.keyAt,
          `correlation.condition.${item.key} must be a whole number`,
        );
      }
      bounds.push({ key: item.key, value: item.value.value, at: item.keyAt });
    } else {
      throw errorAt(
        file,
        item.keyAt,
        `correlation.condition.${item.key} is not a Sigma condition (gt, gte, lt, lte, eq, field)`,
      );
    }
  }
  if (type === 'value_count' && field === undefined)
    throw errorAt(
      file,
      node.at,
      'value_count needs condition.field: the field whose distinct values are counted',
    );
  if (type === 'event_count' && field !== undefined)
    throw errorAt(file, node.at, 'condition.field belongs to value_count, not event_count');
  const upper = bounds.find((bound) => bound.key === 'lt' || bound.key === 'lte' || bound.key === 'eq');
  if (upper) {
    throw errorAt(
      file,
      upper.at,
      `correlation.condition.${upper.key} is not supported: detection on a stream fires when a count is reached, so only gt and gte`,
    );
  }
  if (bounds.length !== 1)
    throw errorAt(file, node.at, 'correlation.condition needs exactly one of gt or gte');
  const [bound] = bounds;
  return { threshold: { comparison: bound.key as 'gt' | 'gte', value: bound.value }, field };
}

/** Compiles a Sigma correlation rule (event_count, value_count) into a descriptor for the window counter. */
export function compileCorrelationRule(
  document: RuleDocument,
  root: MapNode,
  meta: RuleMeta,
): CorrelationRule {
  const { file } = document;
  const correlationEntry = entry(root, 'correlation')!;
  const node = correlationEntry.value;
  if (node.kind !== 'map')
    throw errorAt(
      file,
      node.at ?? correlationEntry.keyAt,
      `correlation must be a map, not ${describeKind(node)}`,
    );

  // A misspelt key would be ignored silently: `groupby` would count across every group.
  refuseUnknownKeys(
    file,
    node,
    'correlation',
    CORRELATION_KEYS,
    CORRELATION_KEYS.filter((key) => key !== 'aliases'),
  );

  const typeEntry = entry(node, 'type');
  const type = typeEntry?.value.kind === 'scalar' ? typeEntry.value.value : undefined;
  if (typeof type !== 'string')
    throw errorAt(file, typeEntry?.value.at ?? node.at, 'correlation.type is missing');
  if (type === 'temporal' || type === 'temporal_ordered') {
    throw errorAt(
      file,
      typeEntry!.value.at,
      `correlation type "${type}" is Sigma that sluice does not support (event_count, value_count)`,
    );
  }
  if (!TYPES.includes(type as CorrelationType)) {
    throw errorAt(
      file,
      typeEntry!.value.at,
      `unknown correlation type "${type}" (supported: ${TYPES.join(', ')})`,
    );
  }
  if (entry(node, 'aliases'))
    throw errorAt(
      file,
      entry(node, 'aliases')!.keyAt,
      'correlation.aliases is Sigma that sluice does not support',
    );

  const rulesEntry = entry(node, 'rules');
  if (!rulesEntry)
    throw errorAt(file, node.at, 'correlation.rules is missing: the ids or names of the rules to count');
  const ruleItems = rulesEntry.value.kind === 'seq' ? rulesEntry.value.items : [rulesEntry.value];
  if (ruleItems.length === 0) throw errorAt(file, rulesEntry.value.at, 'correlation.rules is empty');
  const references = ruleItems.map((item) => {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value === '') {
      throw errorAt(file, item.at ?? rulesEntry.keyAt, 'correlation.rules must list rule ids or names');
    }
    return { ref: item.value, line: item.at?.line, column: item.at?.column };
  });

  const groupEntry = entry(node, 'group-by');
  const groupBy = groupEntry ? fieldNames(file, groupEntry.value, 'correlation.group-by') : [];

  const timespanEntry = entry(node, 'timespan');
  if (!timespanEntry) throw errorAt(file, node.at, 'correlation.timespan is missing, e.g. timespan: 5m');
  const timespanText = timespanEntry.value.kind === 'scalar' ? String(timespanEntry.value.value) : '';
  let timespanMs: number;
  try {
    timespanMs = parseTimespan(timespanText);
  } catch (error) {
    throw errorAt(file, timespanEntry.value.at, `correlation.timespan: ${(error as Error).message}`);
  }

  const conditionEntry = entry(node, 'condition');
  const { threshold, field } = parseThreshold(file, conditionEntry?.value, node.at, type as CorrelationType);

  const generateEntry = entry(root, 'generate') ?? entry(node, 'generate');
  let generate = false;
  if (generateEntry) {
    if (generateEntry.value.kind !== 'scalar' || typeof generateEntry.value.value !== 'boolean') {
      throw errorAt(file, generateEntry.value.at, 'generate must be true or false');
    }
    generate = generateEntry.value.value;
  }
  return {
    ...meta,
    kind: 'correlation',
    type: type as CorrelationType,
    references,
    groupBy: groupBy.map(compileFieldPath),
    timespanMs,
    threshold,
    field: field === undefined ? undefined : compileFieldPath(field),
    generate,
  };
}
