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
});

export type DetectionsConfig = z.output<typeof detectionsConfig>;
export type DetectionsConfigInput = z.input<typeof detectionsConfig>;
