/**
 * What every route's destination name starts with. Configuration refuses a destination named like
 * this: the name is the route's progress key in a message, shared with the SIEM destinations.
 */
export const ROUTE_SINK_PREFIX = 'route:';

/** The destination (and progress key) of an alert route: `route:<routeName>`. */
export function routeSinkName(routeName: string): string {
  return `${ROUTE_SINK_PREFIX}${routeName}`;
}
