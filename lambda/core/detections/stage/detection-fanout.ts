import type { ForwardDependencies, ForwardDestination } from '../../forward/forward-object';
import type { AlertStore } from '../alerts/store';
import type { AlertRouteConfig } from '../routing/config';
import { createRouteSinks, type RouteSinkDependencies } from '../routing/create-route-sinks';
import type { RuleIndex } from '../rule-index';
import type { WindowStore } from '../windows/store';
import { DetectionSink } from './detection-sink';
import { ALERTS_LOG_TYPE } from './names';
import type { AlertObjectWriter } from './ports';

export interface DetectionFanoutOptions {
  readonly index: RuleIndex;
  readonly windows: WindowStore;
  readonly alerts: AlertStore;
  readonly writer: AlertObjectWriter;
  readonly alertsPrefix: string;
  readonly dedupPeriodMs: number;
  readonly latenessMs: number;
  readonly routes: readonly AlertRouteConfig[];
  readonly channels: RouteSinkDependencies;
  /**
   * Bytes of stage batches the objects that gave up their slot before the stage answered may hold
   * between them (see WaveOptions.releasedBytes). Default: 32 MiB, for the default 512 MB function.
   */
  readonly releasedBytes?: number;
}

export interface DetectionFanout {
  /** The stage and one destination per route, to append to the forwarder's destinations. */
  readonly destinations: readonly ForwardDestination[];
  /** The forwarder's read-time hook (ForwardDependencies.detections). */
  readonly hook: NonNullable<ForwardDependencies['detections']>;
  close(): void;
}

/**
 * Detections as the forwarder runs them (Lambda and CLI alike): the `detections` stage beside the
 * destinations, and each alert route as a destination of the `sluice-alerts` log type only, so
 * every route has its own progress and a slow channel holds back nothing but itself.
 */
export function createDetectionFanout(options: DetectionFanoutOptions): DetectionFanout {
  const stage = new DetectionSink({
    index: options.index,
    windows: options.windows,
    alerts: options.alerts,
    writer: options.writer,
    alertsPrefix: options.alertsPrefix,
    dedupPeriodMs: options.dedupPeriodMs,
    latenessMs: options.latenessMs,
    waves: { releasedBytes: options.releasedBytes },
  });
  const routes = createRouteSinks(options.routes, options.channels);
  return {
    destinations: [
      // Two batches in flight: the stage's store round trips overlap the reading of the next batch.
      // It does not pace objects: the more objects run at once, the larger its waves (and the fewer
      // its requests per record); the SIEM destinations set how many run. Nor does it hold an
      // object's slot while its batches wait for their wave: the batch's next objects start and
      // join that wave (within the stage's memory budget: waves.ts).
      { sink: stage, maxInFlight: 2, pacesObjects: false, holdsSlot: false },
      // One batch at a time per route keeps a channel's alerts in order. Only alert objects reach a
      // route: its one request must not hold every other object back (a slow channel delays only
      // itself), neither by pacing objects nor by keeping its object's slot while it waits.
      ...routes.map((sink) => ({
        sink,
        logTypes: [ALERTS_LOG_TYPE],
        maxInFlight: 1,
        pacesObjects: false,
        holdsSlot: false,
      })),
    ],
    hook: stage,
    close: () => routes.forEach((sink) => sink.close()),
  };
}
