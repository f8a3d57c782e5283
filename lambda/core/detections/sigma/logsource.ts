import { describeKind, entry, errorAt, refuseUnknownKeys, type MapNode, type TreeNode } from './tree';

/**
 * Sigma's `logsource`, mapped onto sluice's sources and log types:
 *
 * * `product` names a source: it matches a source whose `preset` is that product (`strongdm`), or
 *   whose `name` is (a source of your own applications, e.g. `portal`).
 * * `service` is the log type: the key segment after the source's prefix (StrongDM's `activities`,
 *   `queries`, `replays`).
 * * `category` (Sigma's generic taxonomy, e.g. `process_creation`) describes data sluice does not
 *   classify; it is kept for documentation and never narrows or widens where a rule runs. A rule
 *   with only a category runs nowhere, and binding reports it.
 *
 * A rule runs on a record when every part it gives (product, service) matches the record's source
 * and log type.
 */
export interface Logsource {
  readonly product?: string;
  readonly service?: string;
  readonly category?: string;
}

/** What binding needs to know of a configured source. */
export interface SourceDescriptor {
  readonly name: string;
  readonly preset?: string;
}

/** Sigma's logsource keys; `definition` is a description, kept for people. */
const LOGSOURCE_KEYS: readonly string[] = ['product', 'service', 'category', 'definition'];

export function parseLogsource(
  file: string,
  node: TreeNode | undefined,
  at: { line: number; column: number } | undefined,
): Logsource {
  if (!node)
    throw errorAt(
      file,
      at,
      'logsource is missing: say where the rule runs, e.g. product: strongdm, service: queries',
    );
  if (node.kind !== 'map') throw errorAt(file, node.at, `logsource must be a map, not ${describeKind(node)}`);
  // A misspelt key (prodcut) would otherwise leave the rule bound more widely than written.
  refuseUnknownKeys(file, node, 'logsource', LOGSOURCE_KEYS);
  const read = (key: 'product' | 'service' | 'category'): string | undefined => {
    const found = entry(node as MapNode, key);
    if (!found) return undefined;
    if (found.value.kind !== 'scalar' || typeof found.value.value !== 'string' || found.value.value === '') {
      throw errorAt(file, found.value.at ?? found.keyAt, `logsource.${key} must be text`);
    }
    return found.value.value;
  };
  const logsource = { product: read('product'), service: read('service'), category: read('category') };
  if (!logsource.product && !logsource.service && !logsource.category) {
    throw errorAt(file, node.at, 'logsource needs a product, a service or a category');
  }
  return logsource;
}

/**
 * True when a rule with this logsource runs on records of `source` and `logType`; without a log
 * type, when it can run on some log type of the source (log types are open-ended).
 */
export function logsourceMatches(logsource: Logsource, source: SourceDescriptor, logType?: string): boolean {
  if (!logsource.product && !logsource.service) return false;
  if (logsource.product && logsource.product !== source.preset && logsource.product !== source.name)
    return false;
  return !logsource.service || logType === undefined || logsource.service === logType;
}
