import { DETECTIONS_STAGE, ROUTE_SINK_PREFIX } from '../detections/stage/names';
import { keyPrefixesOverlap } from '../layout/key-layout';
import { ALERTS_SOURCE_NAME, alertsObjectPrefix } from './alerts-source';
import type { DetectionsConfig } from './detections';

/** A problem between fields, at `path`; the message says what is wrong and the fix. */
export interface ConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The parts of a configuration the rules of `detections` read. */
export interface DetectionsCheckInput {
  readonly sources: readonly {
    readonly name: string;
    readonly prefix: string;
    readonly keyPrefixes?: readonly string[];
  }[];
  readonly destinations: readonly { readonly name: string }[];
  readonly quarantinePrefix: string;
  readonly detections?: DetectionsConfig;
}

/**
 * Rules between `detections` and the rest: the names the stage and the routes use as progress keys,
 * the alerts source beside the configured ones, and the one alert topic.
 */
export function detectionsProblems(config: DetectionsCheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Reserved whether or not detections are on: turning them on later must not change a destination's meaning.
  config.destinations.forEach((destination, index) => {
    if (destination.name === DETECTIONS_STAGE || destination.name.startsWith(ROUTE_SINK_PREFIX)) {
      problems.push({
        path: ['destinations', index, 'name'],
        message: `'${destination.name}' is reserved: "${DETECTIONS_STAGE}" and "${ROUTE_SINK_PREFIX}…" name the detections stage and the alert routes in the forwarder's progress. Fix: give the destination another name`,
      });
    }
  });
  const { detections } = config;
  if (!detections) return problems;
  const alertsPrefix = detections.alerts.prefix;
  config.sources.forEach((source, index) => {
    if (source.name === ALERTS_SOURCE_NAME) {
      problems.push({
        path: ['sources', index, 'name'],
        message: `'${ALERTS_SOURCE_NAME}' is the name of the alerts source that detections add. Fix: rename this source`,
      });
    }
    const sourcePrefixes = source.keyPrefixes ?? [`${source.prefix}/`];
    if (keyPrefixesOverlap([`${alertsPrefix}/`], sourcePrefixes)) {
      problems.push({
        path: ['detections', 'alerts', 'prefix'],
        message: `'${alertsPrefix}' overlaps sources[${index}].prefix '${source.prefix}'${source.prefix === '' ? ` (a source at the bucket root owns the keys starting with ${sourcePrefixes.join(', ')})` : ''}: the alerts source reads every key under it. Fix: use an alerts prefix where neither contains the other, e.g. "sluice"`,
      });
    }
  });
  if (keyPrefixesOverlap([alertsObjectPrefix(alertsPrefix)], [`${config.quarantinePrefix}/`])) {
    problems.push({
      path: ['detections', 'alerts', 'prefix'],
      message: `'${alertsPrefix}' puts alert objects (${alertsObjectPrefix(alertsPrefix)}) where quarantinePrefix '${config.quarantinePrefix}' is. Fix: keep alerts and quarantined records apart, e.g. the defaults "sluice" and "sluice/quarantine"`,
    });
  }
  problems.push(...tableProblems(detections.table));
  const sns = detections.routes.flatMap((route, index) => (route.type === 'sns' ? [index] : []));
  for (const index of sns.slice(1)) {
    problems.push({
      path: ['detections', 'routes', index, 'type'],
      message: `is a second "sns" route (routes[${sns[0]}] is one): the stack creates one alert topic. Fix: keep one "sns" route and list every address in its "emails"`,
    });
  }
  return problems;
}

/** Units are given exactly when the table is provisioned, each range the right way round. */
function tableProblems(table: DetectionsConfig['table']): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const field of ['writeUnits', 'readUnits'] as const) {
    const path = ['detections', 'table', field];
    const range = table[field];
    if (table.capacity === 'provisioned' && !range) {
      problems.push({
        path,
        message: `is required with capacity "provisioned". Fix: give { "min": …, "max": … } units, sized from the units per 1,000 records in docs/detections.md ("What DynamoDB bills")`,
      });
    }
    if (table.capacity === 'on-demand' && range) {
      problems.push({
        path,
        message: `applies to capacity "provisioned" only (an on-demand table has no units to set). Fix: remove it, or set "capacity": "provisioned"`,
      });
    }
    if (range && range.min > range.max) {
      problems.push({
        path: [...path, 'max'],
        message: `${range.max} is less than min ${range.min}. Fix: a max at least the min`,
      });
    }
  }
  return problems;
}
