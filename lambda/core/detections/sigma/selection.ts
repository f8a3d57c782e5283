import { allOf, anyOf, type Predicate } from './predicate';
import { errorAt, type TreeNode } from './tree';
import { compileFieldEntry, compileKeywords } from './values';
import { parseModifiers } from './modifiers';

/**
 * A search identifier of `detection`: a map is the AND of its fields, a list of maps is the OR of
 * the maps, a list of strings (or a single string) is a keyword search over the whole record.
 */
export function compileSelection(file: string, name: string, node: TreeNode): Predicate {
  if (node.kind === 'map') {
    if (node.entries.length === 0) throw errorAt(file, node.at, `selection "${name}" is empty`);
    return allOf(node.entries.map((entry) => compileFieldEntry(file, entry.key, entry.keyAt, entry.value)));
  }
  if (node.kind === 'seq') {
    if (node.items.length === 0) throw errorAt(file, node.at, `selection "${name}" is an empty list`);
    const maps = node.items.filter((item) => item.kind === 'map');
    if (maps.length === node.items.length) {
      return anyOf(maps.map((item, index) => compileSelection(file, `${name}[${index}]`, item)));
    }
    if (maps.length > 0 || node.items.some((item) => item.kind === 'seq')) {
      throw errorAt(
        file,
        node.at,
        `selection "${name}" mixes maps and keywords: a list holds either maps (OR) or keywords`,
      );
    }
    return compileKeywords(file, '', node.at, parseModifiers([]), node);
  }
  if (node.value === null || typeof node.value === 'boolean') {
    throw errorAt(
      file,
      node.at,
      `selection "${name}" must be a map, a list or a keyword, not ${String(node.value)}`,
    );
  }
  return compileKeywords(file, '', node.at, parseModifiers([]), node);
}
