import type { AlertRouteConfig } from './config';
import { createAlertChannels, type ChannelDependencies } from './create-channels';
import { RouteSink, type RouteSinkOptions } from './route-sink';
import { RoutingTable } from './table';

export interface RouteSinkDependencies extends ChannelDependencies {
  /** Batch sizes of every route. Default: see RouteSinkOptions. */
  readonly sink?: RouteSinkOptions;
}

/**
 * A destination per configured route (`detections.routes`, parsed), in their order, each named
 * `route:<routeName>` (its progress key): the forwarder feeds them the `sluice-alerts` log type only.
 * A channel's retries are reported to the delivering invocation's observer as the route's, besides
 * `sender.onRetry`. Throws a SluiceError (CONFIG_INVALID) for an `sns` route without `sns`.
 */
export function createRouteSinks(
  routes: readonly AlertRouteConfig[],
  dependencies: RouteSinkDependencies,
): RouteSink[] {
  const table = new RoutingTable(routes);
  return table.routes.map((route) => {
    const channels = createAlertChannels([route], {
      ...dependencies,
      sender: {
        ...dependencies.sender,
        // Called only while the sink delivers, so never before `sink` is set.
        onRetry: (info) => {
          dependencies.sender?.onRetry?.(info);
          sink.reportRetry(info);
        },
      },
    });
    const sink: RouteSink = new RouteSink(route, channels.get(route.name)!, dependencies.sink);
    return sink;
  });
}
