import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { CONFIG_JSON_SCHEMA_PATH, configJsonSchema } from '../../../lambda/core/config/json-schema';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';
import { parseCliConfig } from '../../../cli/shared/config';

const ROOT = join(__dirname, '..', '..', '..');
const PUBLISHED = join(ROOT, CONFIG_JSON_SCHEMA_PATH);
const published = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as Record<string, unknown>;

// zod writes the address's `pattern` beside `format: "email"`; the pattern is what is checked here.
const validate = new Ajv({ strict: true, allErrors: true, formats: { email: true } }).compile(published);

function schemaProblems(config: unknown): string[] {
  return validate(config)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

function validatorProblems(config: unknown): string[] {
  try {
    parseConfig(config);
    return [];
  } catch (error) {
    assert.ok(error instanceof SluiceError && error.code === 'CONFIG_INVALID', String(error));
    return error.context.problems as string[];
  }
}

interface JsonSchemaNode {
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly items?: JsonSchemaNode;
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly additionalProperties?: boolean | JsonSchemaNode;
}

/** Every property of every object in the schema, named by its path (`destinations[].auth.region`). */
function propertiesOf(
  node: JsonSchemaNode,
  path = '',
): { path: string; schema: JsonSchemaNode; required: boolean }[] {
  const own = Object.entries(node.properties ?? {}).flatMap(([name, schema]) => {
    const child = path === '' ? name : `${path}.${name}`;
    return [
      { path: child, schema, required: node.required?.includes(name) ?? false },
      ...propertiesOf(schema, child),
    ];
  });
  const nested = [
    ...(node.items ? propertiesOf(node.items, `${path}[]`) : []),
    ...[...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap((variant) => propertiesOf(variant, path)),
    ...(typeof node.additionalProperties === 'object'
      ? propertiesOf(node.additionalProperties, `${path}.*`)
      : []),
  ];
  return [...own, ...nested];
}

/** How a description writes a default: the JSON value in backticks, strings without their quotes. */
function writtenDefault(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

const CONFIG_FILES = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => join('examples', file)),
  'sluice.config.json',
];

/** The README's JSON blocks that declare `$schema`: the ones shown as complete configuration files. */
function readmeConfigs(): unknown[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => match[1])
    .filter((block) => block.includes('"$schema"'))
    .map((block) => JSON.parse(block) as unknown);
}

const STRONGDM = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

describe('the published JSON Schema of sluice.config.json', () => {
  it('is the one generated from the zod schema the code validates with', () => {
    assert.deepEqual(
      published,
      configJsonSchema(),
      `${CONFIG_JSON_SCHEMA_PATH} is out of date with lambda/core/config. Fix: run \`npm run schema\` and commit the file`,
    );
  });

  it('describes every field, with its default when it has one', () => {
    const fields = propertiesOf(published);
    assert.ok(fields.length > 80, `only ${fields.length} fields found: the walk misses part of the schema`);
    for (const { path, schema, required } of fields) {
      assert.ok(schema.description, `${path} has no description. Fix: add .describe() to its zod schema`);
      if (required) {
        assert.doesNotMatch(schema.description, /Default:/, `${path} is required, yet documents a default`);
        continue;
      }
      assert.match(
        schema.description,
        /Default: /,
        `${path} is optional: its description must say its default`,
      );
      if ('default' in schema) {
        const documented = schema.description.slice(schema.description.indexOf('Default: '));
        assert.ok(
          documented.includes(writtenDefault(schema.default)),
          `${path} defaults to ${JSON.stringify(schema.default)}, but its description says "${documented}"`,
        );
      }
    }
  });

  for (const file of CONFIG_FILES) {
    it(`${file} names the published schema and passes it and the CLI's validation`, () => {
      const config = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
      assert.equal(typeof config.$schema, 'string', `${file} has no "$schema"`);
      assert.equal(resolve(ROOT, dirname(file), config.$schema as string), PUBLISHED);
      assert.deepEqual(schemaProblems(config), []);
      assert.doesNotThrow(() => parseCliConfig(config, file, file));
    });
  }

  it("the README's complete configuration passes the schema and the stack's validation", () => {
    const configs = readmeConfigs();
    assert.ok(configs.length > 0, 'README.md shows no configuration with "$schema"');
    for (const config of configs) {
      assert.deepEqual(schemaProblems(config), []);
      assert.deepEqual(validatorProblems(config), []);
    }
  });

  const INVALID: Readonly<Record<string, unknown>> = {
    'a misspelt field': { sources: [STRONGDM], destinaitons: [] },
    'a misspelt field in a source': { sources: [{ ...STRONGDM, formatt: 'ndjson' }] },
    'no source': { sources: [] },
    'a source without a prefix': { sources: [{ name: 'strongdm', preset: 'strongdm' }] },
    'an unknown preset': { sources: [{ ...STRONGDM, preset: 'strongdn' }] },
    'an unknown encryption': { sources: [STRONGDM], bucket: { encryption: 'aes' } },
    'memory below the minimum': { sources: [STRONGDM], forwarder: { memoryMb: 128 } },
    'a fractional receive count': { sources: [STRONGDM], forwarder: { maxReceiveCount: 5.5 } },
    'a token where the secret ARN goes': {
      sources: [STRONGDM],
      destinations: [
        { type: 'splunk-hec', name: 'splunk', url: 'https://splunk.example.com', tokenSecretArn: 'abcd' },
      ],
    },
    'an unknown destination type': {
      sources: [STRONGDM],
      destinations: [{ type: 'kafka', name: 'k', url: 'https://kafka.example.com' }],
    },
    '"$schema" that is not a string': { $schema: 1, sources: [STRONGDM] },
  };
  for (const [name, config] of Object.entries(INVALID)) {
    it(`refuses ${name}, as the validator does`, () => {
      assert.notDeepEqual(schemaProblems(config), [], 'the JSON Schema accepted it');
      assert.notDeepEqual(validatorProblems(config), [], 'the validator accepted it');
    });
  }

  it('leaves rules between fields to the validator (overlapping prefixes pass the schema)', () => {
    const config = { sources: [STRONGDM, { ...STRONGDM, name: 'more', prefix: 'sdm/logs/activities' }] };
    assert.deepEqual(schemaProblems(config), []);
    assert.match(
      validatorProblems(config).join('\n'),
      /sources\[1\]\.prefix: .* overlaps sources\[0\]\.prefix/,
    );
  });
});
