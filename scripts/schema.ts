/**
 * Writes the published JSON Schema of sluice.config.json (`npm run schema`). Run it after changing the
 * configuration's zod schema; test/unit/config/json-schema.test.ts fails until the two agree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { CONFIG_JSON_SCHEMA_PATH, configJsonSchema } from '../lambda/core/config/json-schema';

async function main(): Promise<void> {
  const path = join(__dirname, '..', CONFIG_JSON_SCHEMA_PATH);
  const options = (await resolveConfig(path)) ?? {};
  const text = await format(JSON.stringify(configJsonSchema()), { ...options, filepath: path });
  writeFileSync(path, text);
  console.log(`wrote ${CONFIG_JSON_SCHEMA_PATH}`);
}

void main();
