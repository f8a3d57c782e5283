import { describeKind, entry, errorAt, type MapNode, type RuleDocument } from './tree';
import { LEVELS, type Level, type RuleMeta } from './types';

const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

function text(
  file: string,
  root: MapNode,
  key: string,
  options: { required?: boolean; max?: number } = {},
): string | undefined {
  const found = entry(root, key);
  if (!found) {
    if (options.required) throw errorAt(file, root.at, `${key} is missing`);
    return undefined;
  }
  const { value } = found;
  if (value.kind !== 'scalar' || typeof value.value !== 'string' || value.value.trim() === '') {
    throw errorAt(file, value.at ?? found.keyAt, `${key} must be non-empty text, not ${describeKind(value)}`);
  }
  if (options.max !== undefined && value.value.length > options.max) {
    throw errorAt(file, value.at, `${key} is longer than ${options.max} characters`);
  }
  return value.value;
}

/** The attributes every rule shares: title, id, name, level, tags, description, status. */
export function readMeta(document: RuleDocument, root: MapNode): RuleMeta {
  const { file } = document;
  const title = text(file, root, 'title', { required: true, max: 256 })!;
  const id = text(file, root, 'id');
  const name = text(file, root, 'name');
  const description = text(file, root, 'description');
  const level = text(file, root, 'level') ?? 'medium';
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw errorAt(
      file,
      entry(root, 'level')?.value.at,
      `level must be one of ${LEVELS.join(', ')}, not "${level}"`,
    );
  }
  const status = text(file, root, 'status');
  if (status !== undefined && !STATUSES.includes(status)) {
    throw errorAt(
      file,
      entry(root, 'status')?.value.at,
      `status must be one of ${STATUSES.join(', ')}, not "${status}"`,
    );
  }
  const tagsEntry = entry(root, 'tags');
  let tags: string[] = [];
  if (tagsEntry) {
    const node = tagsEntry.value;
    if (
      node.kind !== 'seq' ||
      node.items.some((item) => item.kind !== 'scalar' || typeof item.value !== 'string')
    ) {
      throw errorAt(file, node.at ?? tagsEntry.keyAt, 'tags must be a list of text, e.g. [attack.t1078]');
    }
    tags = node.items.map((item) => String((item as { value: unknown }).value));
  }
  return {
    key: id ?? name ?? title,
    id,
    name,
    title,
    description,
    level: level as Level,
    tags,
    file,
    line: root.at?.line,
    column: root.at?.column,
  };
}
