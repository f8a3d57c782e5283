/**
 * The JSON configuration examples of the docs, checked against the code.
 *
 * Every ```json block is a configuration example unless the line before its fence is
 * `<!-- not-config -->` (an HTTP answer, a log line, a quarantine entry: or fence those ```jsonc /
 * ```text). A block whose top level has `"$schema"` or `"sources"` is a whole sluice.config.json and
 * must pass the validator the code uses (`parseConfig`, as `cdk synth` does; the CLI's `parseCliConfig`
 * when it has a `file` destination). Any other block is a part of one (a source, a destination,
 * `bucket`, `forwarder`, a partial top level…) and must be valid against that part of the published
 * JSON Schema: the part of the schema its fields fit best is named in the problems.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseCliConfig } from '../../../cli/shared/config';
import { configJsonSchema } from '../../../lambda/core/config/json-schema';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';
import { codeBlocks } from '../../../scripts/docs/markdown';

export const NOT_CONFIG = '<!-- not-config -->';

export interface ConfigExample {
  readonly body: string;
  readonly line: number;
}

/** The ```json blocks of a page that are configuration examples. */
export function configExamples(markdown: string): ConfigExample[] {
  return codeBlocks(markdown)
    .filter((block) => block.lang === 'json' && block.before !== NOT_CONFIG)
    .map((block) => ({ body: block.body, line: block.line }));
}

export interface Verdict {
  /** `whole configuration`, or the part of the schema the block shows (`sources[]`, `forwarder`…). */
  readonly as: string;
  readonly problems: readonly string[];
}

interface SchemaNode {
  readonly type?: string;
  readonly const?: unknown;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly additionalProperties?: boolean | SchemaNode;
}

interface Part {
  readonly name: string;
  readonly node: SchemaNode;
  readonly validate: ValidateFunction;
}

const PARTIAL_TOP_ID = 'urn:sluice:docs:partial-top-level';

/** A pointer segment (RFC 6901). */
const segment = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

let cachedParts: readonly Part[] | undefined;

/** Every object and array of the schema that a block may show on its own, compiled. */
function parts(): readonly Part[] {
  if (cachedParts) return cachedParts;
  const schema = configJsonSchema() as unknown as SchemaNode & { $id: string };
  // Zod writes the address's `pattern` beside `format: "email"`; the pattern is what is checked.
  const ajv = new Ajv({ strict: true, allErrors: true, formats: { email: true } });
  ajv.addSchema(schema);
  // The top level without its required fields: a block such as { "forwarder": { … } }.
  const { $schema: _draft, ...rest } = schema as unknown as Record<string, unknown>;
  ajv.addSchema({ ...rest, $id: PARTIAL_TOP_ID, required: [] });
  const found: Part[] = [
    { name: 'top level (part of a file)', node: schema, validate: ajv.getSchema(PARTIAL_TOP_ID)! },
  ];
  const visit = (node: SchemaNode, pointer: string, name: string) => {
    if (node.type === 'object' || node.type === 'array' || node.oneOf || node.anyOf) {
      const validate = ajv.getSchema(`${schema.$id}#${pointer}`);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      found.push({ name, node, validate });
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      visit(child, `${pointer}/properties/${segment(key)}`, name === '' ? key : `${name}.${key}`);
    }
    if (node.items) visit(node.items, `${pointer}/items`, `${name}[]`);
    const union = node.oneOf ? 'oneOf' : node.anyOf ? 'anyOf' : undefined;
    (node.oneOf ?? node.anyOf ?? []).forEach((variant, index) => {
      const type = variant.properties?.type?.const;
      visit(variant, `${pointer}/${union}/${index}`, `${name} (type ${String(type ?? index)})`);
    });
    if (typeof node.additionalProperties === 'object') {
      visit(node.additionalProperties, `${pointer}/additionalProperties`, `${name}.<name>`);
    }
  };
  visit(schema, '', '');
  cachedParts = found.filter((part) => part.name !== '');
  return cachedParts;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '(root)';
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return `${where} ${error.message}${extra ? `: '${extra}'` : ''}`;
}

/** How well a block's fields fit a part: shared field names, and the same `type`. */
function fit(value: unknown, part: Part): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return Array.isArray(value) === (part.node.type === 'array') ? 1 : 0;
  }
  const properties = part.node.properties ?? {};
  const keys = Object.keys(value);
  const shared = keys.filter((key) => key in properties).length;
  const type = (value as { type?: unknown }).type;
  const sameType = type !== undefined && properties.type?.const === type ? keys.length : 0;
  return shared + sameType;
}

const isMap = (node: SchemaNode): boolean =>
  !node.properties && typeof node.additionalProperties === 'object';

function checkPart(value: unknown): Verdict {
  if (typeof value !== 'object' || value === null) {
    return {
      as: 'not a configuration example',
      problems: [`a JSON ${value === null ? 'null' : typeof value} is no part of a configuration`],
    };
  }
  const shapes = parts().filter((part) => (part.node.type === 'array') === Array.isArray(value));
  // A map (`idFields`, `indexByLogType`) takes any names: only a candidate when no object with named
  // fields shares one with the block, or a misspelt destination would pass as a map of strings.
  const named = shapes.some((part) => part.node.properties && fit(value, part) > 0);
  const candidates = named ? shapes.filter((part) => !isMap(part.node)) : shapes;
  const accepted = candidates.filter((part) => part.validate(value));
  if (accepted.length > 0) {
    const best = accepted.reduce((a, b) => (fit(value, b) > fit(value, a) ? b : a));
    return { as: best.name, problems: [] };
  }
  const scored = candidates.map((part) => {
    part.validate(value);
    return { part, fit: fit(value, part), errors: (part.validate.errors ?? []).map(describeError) };
  });
  const closest = scored.reduce((a, b) =>
    b.fit > a.fit || (b.fit === a.fit && b.errors.length < a.errors.length) ? b : a,
  );
  return {
    as: closest.part.name,
    problems: closest.errors.map((error) => `as ${closest.part.name}: ${error}`),
  };
}

function hasFileDestination(config: Record<string, unknown>): boolean {
  return (
    Array.isArray(config.destinations) &&
    config.destinations.some((entry) => (entry as { type?: unknown } | null)?.type === 'file')
  );
}

function checkWhole(config: Record<string, unknown>): Verdict {
  const cli = hasFileDestination(config);
  const as = cli ? 'whole configuration (CLI, with file destinations)' : 'whole configuration';
  try {
    if (cli) parseCliConfig(config, 'docs example', 'docs example');
    else parseConfig(config, 'docs example');
    return { as, problems: [] };
  } catch (error) {
    if (!(error instanceof SluiceError) || error.code !== 'CONFIG_INVALID') throw error;
    return { as, problems: (error.context.problems as string[] | undefined) ?? [error.message] };
  }
}

/** Checks one ```json block: valid JSON, and valid configuration (whole, or the part it shows). */
export function checkConfigExample(body: string): Verdict {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      as: 'not JSON',
      problems: [
        `not valid JSON (${(error as Error).message}). If it is not a configuration example, put ${NOT_CONFIG} on the line before its fence`,
      ],
    };
  }
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  if (record && ('$schema' in record || 'sources' in record)) {
    return checkWhole(record as Record<string, unknown>);
  }
  return checkPart(value);
}
