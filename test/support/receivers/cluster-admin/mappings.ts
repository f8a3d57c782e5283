import { isIP } from 'node:net';
import type { Flavor } from './http';
import { isObject } from './http';

/**
 * Mapping checks as the two products make them: a field type the product does not know (`flattened` on
 * OpenSearch, `flat_object` on Elasticsearch or OpenSearch before 2.7) fails the template, and a
 * document value a field cannot hold fails that document.
 */
const COMMON_TYPES = [
  'date',
  'date_nanos',
  'keyword',
  'text',
  'long',
  'integer',
  'double',
  'float',
  'boolean',
  'ip',
  'binary',
  'object',
  'nested',
];

export function fieldTypes(flavor: Flavor, atLeast: (major: number, minor: number) => boolean): Set<string> {
  const types = new Set(COMMON_TYPES);
  if (flavor === 'elasticsearch') types.add('flattened');
  if (flavor === 'opensearch' && atLeast(2, 7)) types.add('flat_object');
  return types;
}

/** Why the product refuses these mappings, or undefined. */
export function mappingProblem(mappings: unknown, types: Set<string>): string | undefined {
  if (mappings === undefined) return undefined;
  if (!isObject(mappings)) return 'Failed to parse mapping: mappings must be an object';
  const properties = mappings.properties;
  if (properties === undefined) return undefined;
  return propertiesProblem(properties, types, '');
}

function propertiesProblem(properties: unknown, types: Set<string>, prefix: string): string | undefined {
  if (!isObject(properties)) return `Failed to parse mapping: [${prefix}properties] must be an object`;
  for (const [name, field] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (!isObject(field))
      return `Failed to parse mapping: Expected map for property [fields] on field [${path}]`;
    const type = (field.type ?? (field.properties !== undefined ? 'object' : 'object')) as string;
    if (!types.has(type))
      return `Failed to parse mapping: No handler for type [${type}] declared on field [${name}]`;
    if (field.ignore_above !== undefined && type !== 'keyword') {
      return `Failed to parse mapping: unknown parameter [ignore_above] on mapper [${name}] of type [${type}]`;
    }
    if (field.enabled !== undefined && type !== 'object') {
      return `Failed to parse mapping: unknown parameter [enabled] on mapper [${name}] of type [${type}]`;
    }
    if (field.properties !== undefined) {
      const inner = propertiesProblem(field.properties, types, `${path}.`);
      if (inner) return inner;
    }
    if (field.fields !== undefined) {
      if (!isObject(field.fields)) return `Failed to parse mapping: [fields] of [${name}] must be an object`;
      const inner = propertiesProblem(field.fields, types, `${path}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Why a field of these mappings cannot hold the document's value, or undefined. */
export function documentProblem(document: Record<string, unknown>, mappings: unknown): string | undefined {
  const properties = isObject(mappings) && isObject(mappings.properties) ? mappings.properties : {};
  return valuesProblem(document, properties, '');
}

function valuesProblem(
  value: Record<string, unknown>,
  properties: Record<string, unknown>,
  prefix: string,
): string | undefined {
  for (const [name, field] of Object.entries(properties)) {
    if (!(name in value) || value[name] === null || !isObject(field)) continue;
    const problem = valueProblem(value[name], field, `${prefix}${name}`);
    if (problem) return problem;
  }
  return undefined;
}

function valueProblem(value: unknown, field: Record<string, unknown>, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = valueProblem(item, field, path);
      if (problem) return problem;
    }
    return undefined;
  }
  const type = (field.type ?? 'object') as string;
  switch (type) {
    case 'date':
    case 'date_nanos':
      return (typeof value === 'string' && !Number.isNaN(Date.parse(value))) || typeof value === 'number'
        ? undefined
        : `failed to parse field [${path}] of type [${type}]`;
    case 'long':
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value))
        ? undefined
        : `failed to parse field [${path}] of type [${type}]`;
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0
        ? undefined
        : `failed to parse field [${path}] of type [ip]: '${String(value)}' is not an IP string literal.`;
    case 'keyword':
    case 'text':
      return isObject(value) ? `failed to parse field [${path}] of type [${type}]` : undefined;
    case 'flattened':
    case 'flat_object':
      return isObject(value) ? undefined : `failed to parse field [${path}] of type [${type}]`;
    case 'object':
    case 'nested':
      if (field.enabled === false) return undefined;
      if (!isObject(value))
        return `object mapping for [${path}] tried to parse field [${path}] as object, but found a concrete value`;
      return isObject(field.properties) ? valuesProblem(value, field.properties, `${path}.`) : undefined;
    default:
      return undefined;
  }
}
