/**
 * The configuration reference (docs/configuration.md), written from the JSON Schema of
 * sluice.config.json: one table per object of the schema (the top level, `bucket`, `sources[]`, each
 * destination type, …), every field with its type or allowed values, its default and its meaning, all
 * taken from the schema and the `.describe()` texts of the zod schema it is generated from. A field
 * added to the code appears here at the next `npm run docs`; a default is never written twice.
 */
import { Slugger } from './slug';

/** The parts of a draft-07 schema that zod writes and this reference reads. */
export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchemaNode;
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly additionalProperties?: boolean | JsonSchemaNode;
}

interface Section {
  readonly node: JsonSchemaNode;
  readonly title: string;
  readonly intro?: string;
  /** The section whose table links here (none for the top level). */
  readonly parent?: Section;
  readonly depth: number;
  slug: string;
}

const code = (text: string): string => `\`${text}\``;
const valueText = (value: unknown): string => code(typeof value === 'string' ? value : JSON.stringify(value));

/** A table cell: one line, and a `|` that does not end the cell. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

const DEFAULT = 'Default:';

/** What a description says a field means, without its "Default: …" sentence. */
function meaningOf(description: string | undefined): string {
  if (!description) return '';
  const at = description.indexOf(DEFAULT);
  return (at === -1 ? description : description.slice(0, at)).trim();
}

function variantsOf(node: JsonSchemaNode): readonly JsonSchemaNode[] {
  return node.oneOf ?? node.anyOf ?? [];
}

/** `"type": "splunk-hec"`: the constant field that tells a union's variants apart. */
function discriminatorOf(variant: JsonSchemaNode, index: number): string {
  const entries = Object.entries(variant.properties ?? {}).filter(([, field]) => field.const !== undefined);
  const [name, field] = entries.find(([key]) => key === 'type') ?? entries[0] ?? [];
  return name && field ? code(`"${name}": ${JSON.stringify(field.const)}`) : `variant ${index + 1}`;
}

/** Every object of the schema that gets a table, depth first in the schema's order. */
function collectSections(root: JsonSchemaNode, slugger: Slugger): Section[] {
  const sections: Section[] = [];
  const visit = (node: JsonSchemaNode, path: string, parent: Section, intro?: string, variant?: string) => {
    if (node.properties) {
      const title = variant ? `${code(path)} with ${variant}` : code(path);
      const section: Section = {
        node,
        title,
        intro: node.description ?? intro,
        parent,
        depth: parent.depth + 1,
        slug: '',
      };
      sections.push(section);
      for (const [name, field] of Object.entries(node.properties)) {
        visit(field, `${path}.${name}`, section, field.description);
      }
      return;
    }
    if (node.items) visit(node.items, `${path}[]`, parent, node.description ?? intro);
    variantsOf(node).forEach((choice, index) =>
      visit(
        choice,
        path,
        parent,
        choice.description ?? node.description ?? intro,
        discriminatorOf(choice, index),
      ),
    );
    if (typeof node.additionalProperties === 'object') {
      visit(node.additionalProperties, `${path}.<name>`, parent, node.description ?? intro);
    }
  };
  const top: Section = { node: root, title: 'Top level', intro: root.description, depth: 0, slug: '' };
  sections.push(top);
  for (const [name, field] of Object.entries(root.properties ?? {}))
    visit(field, name, top, field.description);
  for (const section of sections) section.slug = slugger.slug(section.title);
  return sections;
}

const link = (section: Section): string => `[${section.title}](#${section.slug})`;

function rangeText(node: JsonSchemaNode): string {
  const min = node.minimum !== undefined && node.minimum > Number.MIN_SAFE_INTEGER ? node.minimum : undefined;
  const max = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` ${min}–${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** The type column: allowed values when they are few, else the JSON type, with links to nested tables. */
function typeText(node: JsonSchemaNode, sectionOf: ReadonlyMap<JsonSchemaNode, Section>): string {
  if (node.const !== undefined) return valueText(node.const);
  if (node.enum) return node.enum.map(valueText).join(' | ');
  const variants = variantsOf(node);
  if (variants.length > 0) {
    return `one of: ${variants
      .map((variant) => {
        const section = sectionOf.get(variant);
        return section ? link(section) : typeText(variant, sectionOf);
      })
      .join(', ')}`;
  }
  const section = sectionOf.get(node);
  if (section) return `object, see ${link(section)}`;
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.includes('array') && node.items) {
    const atLeast = node.minItems ? `, at least ${node.minItems}` : '';
    const items = node.items;
    const itemSection = sectionOf.get(items);
    const of = itemSection ? `objects, see ${link(itemSection)}` : typeText(items, sectionOf);
    return `array of ${of}${atLeast}`;
  }
  if (types.includes('object') && typeof node.additionalProperties === 'object') {
    return `object: name → ${typeText(node.additionalProperties, sectionOf)}`;
  }
  if (types.includes('integer') || types.includes('number')) return `${types.join(' or ')}${rangeText(node)}`;
  if (types.includes('string') && node.format === 'email') return 'string (e-mail address)';
  return types.length > 0 ? types.join(' or ') : 'any JSON value';
}

/** The default column: what the description says, else "required", else the schema's default. */
function defaultText(node: JsonSchemaNode, required: boolean): string {
  const description = node.description ?? '';
  const at = description.indexOf(DEFAULT);
  if (at !== -1)
    return description
      .slice(at + DEFAULT.length)
      .trim()
      .replace(/\.$/, '');
  if (required) return 'required';
  if ('default' in node) return valueText(node.default);
  return '—';
}

function renderSection(section: Section, sectionOf: ReadonlyMap<JsonSchemaNode, Section>): string {
  const heading = '#'.repeat(Math.min(6, 3 + Math.max(0, section.depth - 1)));
  const lines = [`${heading} ${section.title}`, ''];
  if (section.parent) lines.push(`In ${link(section.parent)}.`, '');
  if (section.intro) lines.push(section.intro, '');
  lines.push('| field | type | default | meaning |', '|---|---|---|---|');
  const required = new Set(section.node.required ?? []);
  for (const [name, field] of Object.entries(section.node.properties ?? {})) {
    lines.push(
      `| ${[
        code(name),
        typeText(field, sectionOf),
        defaultText(field, required.has(name)),
        meaningOf(field.description) || '—',
      ]
        .map(cell)
        .join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The generated part of docs/configuration.md (Markdown, without its markers). `slugger` has seen the
 * page's headings above the part, so that links to its tables get the anchors GitHub gives them.
 */
export function configReference(schema: JsonSchemaNode, slugger = new Slugger()): string {
  const sections = collectSections(schema, slugger);
  const sectionOf = new Map(sections.map((section) => [section.node, section]));
  const contents = sections.map(
    (section) => `${'  '.repeat(Math.max(0, section.depth - 1))}* ${link(section)}`,
  );
  return [
    '<!-- Written by `npm run docs` from schema/sluice.config.schema.json (the zod schema in lambda/core/config). Edit the `.describe()` texts there, not this part. -->',
    '',
    ...contents,
    '',
    ...sections
      .map((section) => renderSection(section, sectionOf))
      .join('\n\n')
      .split('\n'),
  ].join('\n');
}
