/**
 * The detections stage's progress key in a continuation, and its destination name: beside the
 * destinations' names, so configuration refuses a destination of this name.
 */
export const DETECTIONS_STAGE = 'detections';

/** The log type of the alert objects the stage writes (and the forwarder then reads, like a vendor's). */
export const ALERTS_LOG_TYPE = 'sluice-alerts';

/** Where alert objects go when `detections.alerts.prefix` is not set. */
export const DEFAULT_ALERTS_PREFIX = 'sluice';

// One definition of a route's destination name, kept with the routing core.
export { ROUTE_SINK_PREFIX, routeSinkName } from '../routing/sink-name';
