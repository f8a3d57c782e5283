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
 * Which routes an alert goes to, by its level and whether it opens or updates. Worked out once per
 * configuration: per alert it is one map lookup.
 */
export class RoutingTable {
  readonly routes: readonly Route[];
  /** Some route takes updates (otherwise updates need not even be built). */
  readonly takesUpdates: boolean;
  private readonly byKey = new Map<string, readonly Route[]>();

  constructor(configs: readonly AlertRouteConfig[]) {
    this.routes = configs.map((config, index) => ({
      name: routeNameOf(config, index),
      config,
      levels: new Set(routeLevels(config)),
      updates: config.updates,
    }));
    this.takesUpdates = this.routes.some((route) => route.updates);
    for (const level of LEVELS) {
      const opened = this.routes.filter((route) => route.levels.has(level));
      this.byKey.set(`${level}:opened`, opened);
      this.byKey.set(
        `${level}:updated`,
        opened.filter((route) => route.updates),
      );
    }
  }

  /** The routes an alert of this level goes to; an `updated` alert only to routes that take updates. */
  routesFor(level: Level, kind: RoutedKind): readonly Route[] {
    return this.byKey.get(`${level}:${kind}`) ?? [];
  }
}
