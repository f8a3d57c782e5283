import * as z from 'zod';
import { alertRoutes } from '../detections/routing/config';
import { ALERTS_LOG_TYPE, DEFAULT_ALERTS_PREFIX } from '../detections/stage/names';
import { TIMESPAN_PATTERN } from '../detections/timespan';
import { keyPrefix } from './sources';

/** The packs that run when `detections.packs` is not given. */
export const DEFAULT_DETECTION_PACKS: readonly string[] = ['strongdm'];
export const DEFAULT_DEDUP_PERIOD = '1h';
export const DEFAULT_LATENESS = '1d';

/** A duration as Sigma writes a timespan (`30s`, `5m`, `1h`, `1d`): one parser for both. */
function duration(defaultText: string, meaning: string) {
  return z
    .string()
    .regex(TIMESPAN_PATTERN, {
      error: (issue) =>
        `'${String(issue.input)}' is not a duration. Fix: a whole number and s, m, h or d (seconds, minutes, hours, days), e.g. "5m"`,
    })
    .default(defaultText)
    .describe(`${meaning} A whole number and \`s\`, \`m\`, \`h\` or \`d\`. Default: \`${defaultText}\`.`);
}

const packName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'must be the name of a folder of sluice\'s detections/ (lower-case letters, digits, - and _), e.g. "strongdm"',
  );

export const alertsConfig = z.strictObject({
  prefix: keyPrefix
    .default(DEFAULT_ALERTS_PREFIX)
    .describe(
      `Key prefix of the alerts source (named \`sluice\`): each opened or updated alert is written to \`<prefix>/${ALERTS_LOG_TYPE}/YYYY/MM/DD/HH/MM/<id>.json\` and forwarded from there like any record, as log type \`${ALERTS_LOG_TYPE}\`. Must not overlap a source's prefix, and the alert objects must stay outside \`quarantinePrefix\`. Default: \`${DEFAULT_ALERTS_PREFIX}\`.`,
    ),
});

/** Capacity units of a provisioned table: auto scaling keeps them between `min` and `max`. */
function unitRange(what: 'write' | 'read') {
  const units = z
    .int({ error: `must be a whole number of ${what} capacity units. Fix: e.g. 100` })
    .min(1, `must be at least 1 ${what} capacity unit. Fix: e.g. 5`)
    .max(
      40_000,
      `is more than a table takes by default (40,000). Fix: raise the account's quota first, or lower it`,
    );
  return z
    .strictObject({
      min: units.describe(`${what === 'write' ? 'Write' : 'Read'} capacity units the table keeps at least.`),
      max: units.describe(`${what === 'write' ? 'Write' : 'Read'} capacity units auto scaling may reach.`),
    })
    .optional()
    .describe(
      `With \`capacity: "provisioned"\` (required there, refused otherwise): the ${what} capacity units (per second) auto scaling keeps the table between: about the ${what} units per 1,000 records in docs/detections.md ("What DynamoDB bills") times your records per second, divided by 1,000. Default: none (on demand).`,
    );
}

export const DEFAULT_TARGET_UTILIZATION_PERCENT = 70;

export const detectionTableConfig = z.strictObject({
  capacity: z
    .enum(['on-demand', 'provisioned'], {
      error: (issue) => `'${String(issue.input)}' is not a capacity mode. Fix: "on-demand" or "provisioned"`,
    })
    .default('on-demand')
    .describe(
      'How DynamoDB bills the detection state table: `on-demand` (per request, follows the load) or `provisioned` (per hour of capacity, auto scaled within the `writeUnits` and `readUnits` ranges; cheaper for a steady stream, throttled for a moment when the load outruns auto scaling, which the stage retries). Default: `on-demand`.',
    ),
  writeUnits: unitRange('write'),
  readUnits: unitRange('read'),
  targetUtilizationPercent: z
    .int({ error: 'must be a whole percentage. Fix: e.g. 70' })
    .min(20, 'must be at least 20. Fix: e.g. 70')
    .max(90, 'must be at most 90 (auto scaling needs room to react). Fix: e.g. 70')
    .default(DEFAULT_TARGET_UTILIZATION_PERCENT)
    .describe(
      `With \`capacity: "provisioned"\`: the share of the provisioned units auto scaling aims to use. Default: \`${DEFAULT_TARGET_UTILIZATION_PERCENT}\`.`,
    ),
});

export type DetectionTableConfig = z.output<typeof detectionTableConfig>;

export const detectionsConfig = z.strictObject({
  packs: z
    .array(packName)
    .default([...DEFAULT_DETECTION_PACKS])
    .describe(
      `Rule packs shipped with sluice, by folder name under its \`detections/\` (see docs/detections.md). \`[]\` runs your own rules only. Default: \`${JSON.stringify(DEFAULT_DETECTION_PACKS)}\`.`,
    ),
  rules: z
    .array(z.string().min(1, 'must not be empty. Fix: e.g. "rules/"'))
    .default([])
    .describe(
      'Your own Sigma rule files (`*.yml`, `*.yaml`) or folders of them (walked recursively; `*.tests.yml` are rule tests, not rules), relative to the configuration file. `cdk synth` compiles every rule and fails on one that does not compile. Default: `[]`.',
    ),
  dedupPeriod: duration(
    DEFAULT_DEDUP_PERIOD,
    "One alert per rule, group and period of this length (aligned to event time), with a running count; a correlation's period is at least its timespan.",
  ),
  lateness: duration(
    DEFAULT_LATENESS,
    'How late after its event time a record may arrive and still join its correlation window; window state is kept this much longer.',
  ),
  alerts: alertsConfig
    .prefault({})
    .describe('Where alerts are written in the log bucket. Default: `{}` (every field at its default).'),
  routes: alertRoutes,
  table: detectionTableConfig
    .prefault({})
    .describe(
      'The DynamoDB table of the detection state (windowed counts, open alerts): how it is billed. Default: `{}` (on demand).',
    ),
});

export type DetectionsConfig = z.output<typeof detectionsConfig>;
export type DetectionsConfigInput = z.input<typeof detectionsConfig>;
