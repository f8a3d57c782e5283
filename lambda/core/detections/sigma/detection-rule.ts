import { compileCondition } from './condition';
import { parseLogsource } from './logsource';
import { anyOf, type Predicate } from './predicate';
import { compileSelection } from './selection';
import {
  describeKind,
  entry,
  errorAt,
  type MapNode,
  type RuleDocument,
  type ScalarNode,
  type TreeNode,
} from './tree';
import type { DetectionRule, RuleMeta } from './types';

/** Compiles a Sigma detection rule: every selection once, then the condition over them. */
export function compileDetectionRule(document: RuleDocument, root: MapNode, meta: RuleMeta): DetectionRule {
  const { file } = document;
  const logsourceEntry = entry(root, 'logsource');
  const logsource = parseLogsource(file, logsourceEntry?.value, root.at);
  const detectionEntry = entry(root, 'detection')!;
  const detection = detectionEntry.value;
  if (detection.kind !== 'map') {
    throw errorAt(
      file,
      detection.at ?? detectionEntry.keyAt,
      `detection must be a map, not ${describeKind(detection)}`,
    );
  }
  const selections = new Map<string, Predicate>();
  const fields = new Set<string>();
  // Keywords (a string, a list of strings, a `|modifier` key) search every value of the record.
  let readsWholeRecord = false;
  const collectFields = (node: TreeNode) => {
    if (node.kind === 'map')
      for (const { key } of node.entries) {
        const field = key.split('|')[0];
        if (field === '') readsWholeRecord = true;
        else fields.add(field);
      }
    else if (node.kind === 'seq') node.items.forEach(collectFields);
    else readsWholeRecord = true;
  };
  let conditionEntry: MapNode['entries'][number] | undefined;
  for (const item of detection.entries) {
    if (item.key === 'condition') {
      conditionEntry = item;
    } else if (item.key === 'timeframe') {
      throw errorAt(
        file,
        item.keyAt,
        'detection.timeframe is obsolete Sigma: write a correlation rule with a timespan',
      );
    } else {
      selections.set(item.key, compileSelection(file, item.key, item.value));
      collectFields(item.value);
    }
  }
  if (!conditionEntry)
    throw errorAt(file, detection.at ?? detectionEntry.keyAt, 'detection.condition is missing');
  if (selections.size === 0)
    throw errorAt(file, detection.at ?? detectionEntry.keyAt, 'detection has no selection');
  const conditionNode = conditionEntry.value;
  const conditions: ScalarNode[] =
    conditionNode.kind === 'seq'
      ? conditionNode.items.map((item) => {
          if (item.kind !== 'scalar') throw errorAt(file, item.at, 'each condition must be text');
          return item;
        })
      : conditionNode.kind === 'scalar'
        ? [conditionNode]
        : [];
  if (conditions.length === 0)
    throw errorAt(
      file,
      conditionNode.at ?? conditionEntry.keyAt,
      'detection.condition must be text or a list of text',
    );
  // A list of conditions is their OR (Sigma).
  const predicate = anyOf(conditions.map((condition) => compileCondition(file, condition, selections)));
  return {
    ...meta,
    kind: 'detection',
    logsource,
    matches: predicate.test,
    cost: predicate.cost,
    fields: [...fields],
    readsWholeRecord,
  };
}
