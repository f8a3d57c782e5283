import type { AlertOutcomeKind } from '../alerts/store';
import { LEVELS, type Level } from '../sigma/types';
import { routeNameOf, type AlertRouteConfig } from './config';
import { levelsFrom } from './levels';

/** The default lowest level of each channel, when a route gives neither `levels` nor `minLevel`. */
const DEFAULT_MIN_LEVEL: Readonly<Record<AlertRouteConfig['type'], Level>> = {
  sns: 'medium',
  slack: 'medium',
  pagerduty: 'high',
  webhook: 'medium',
};

export interface Route {
  readonly name: string;
  readonly config: AlertRouteConfig;
  readonly levels: ReadonlySet<Level>;
  /** Also sent when an open alert's running count grows. */
  readonly updates: boolean;
}

export type RoutedKind = Exclude<AlertOutcomeKind, 'unchanged'>;

/** The levels a route takes: its list, else everything from its minimum level up. */
export function routeLevels(route: AlertRouteConfig): Level[] {
  if (route.levels) return LEVELS.filter((level) => route.levels!.includes(level));
  return levelsFrom(route.minLevel ?? DEFAULT_MIN_LEVEL[route.type]);
}

/**
 * Whether a route takes an alert of this level and kind: an opening when the route takes its level, an
 * update (the running count grew) only when the route also takes updates.
 */
export function routeTakes(
  route: Pick<Route, 'levels' | 'updates'>,
  level: Level,
  kind: RoutedKind,
): boolean {
  return route.levels.has(level) && (kind === 'opened' || route.updates);
}

/**
 * Which routes an alert goes to, by its level and whether it opens or updates. Worked out once per
 * configuration: per alert it is one map lookup.
 */
export class RoutingTable {
  readonly routes: readonly Route[];
  private readonly byKey = new Map<string, readonly Route[]>();

  constructor(configs: readonly AlertRouteConfig[]) {
    this.routes = configs.map((config, index) => ({
      name: routeNameOf(config, index),
      config,
      levels: new Set(routeLevels(config)),
      updates: config.updates,
    }));
    for (const level of LEVELS) {
      for (const kind of ['opened', 'updated'] as const) {
        this.byKey.set(
          `${level}:${kind}`,
          this.routes.filter((route) => routeTakes(route, level, kind)),
        );
      }
    }
  }

  /** The routes an alert of this level goes to; an `updated` alert only to routes that take updates. */
  routesFor(level: Level, kind: RoutedKind): readonly Route[] {
    return this.byKey.get(`${level}:${kind}`) ?? [];
  }
}
