import * as z from 'zod';
import { sluiceConfigFile } from './schema';

/** Where the generated schema is committed and published (relative to the package root). */
export const CONFIG_JSON_SCHEMA_PATH = 'schema/sluice.config.schema.json';

/** A stable identifier for the schema, independent of where a copy of it is read from. */
export const CONFIG_JSON_SCHEMA_ID = 'urn:sluice:sluice.config.schema.json';

/**
 * The JSON Schema of `sluice.config.json`, generated from the zod schema the code validates with, for
 * editors (completion, hover text, underlined mistakes). Draft-07 because every editor supports it.
 * It describes what a user writes (defaults are optional, prefixes before normalization); rules
 * between fields (overlapping prefixes, Object Lock against retention…) are the validator's alone.
 */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...generated } = z.toJSONSchema(sluiceConfigFile, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'throw',
  });
  return {
    $schema,
    $id: CONFIG_JSON_SCHEMA_ID,
    title: 'sluice configuration (sluice.config.json)',
    description:
      'Sources (who writes where in the log bucket), destinations (where records are forwarded) and the sizing of one sluice deployment. Validated again, with the rules between fields, by `cdk synth` and the sluice CLI.',
    ...generated,
  };
}
