import type { AlertDocument } from '../alerts/document';
import type { AlertStore } from '../alerts/store';
import type { AlertChannel, ChannelResult } from './channel';
import { AlertRoutingCodes } from './codes';
import type { AlertRouteType } from './config';
import type { RoutedKind, RoutingTable } from './table';

export interface RouteDelivery {
  readonly route: string;
  readonly type: AlertRouteType;
  readonly result: ChannelResult;
}

/** What the engine reports for an alert (its AlertOutcome): the document may be built on first read. */
export interface RoutableAlert {
  readonly kind: RoutedKind;
  /** The alert's rule, group and period: what the store's markNotified takes. */
  readonly dedupKey: string;
  readonly alert: AlertDocument;
}

export interface RoutedAlert {
  readonly dedupKey: string;
  readonly kind: RoutedKind;
  /** One per route the alert's level and kind selected (none: nothing to send). */
  readonly deliveries: readonly RouteDelivery[];
  /**
   * Every route either took the alert or refused it for good: nothing is left to send. When false,
   * the caller keeps the alert to send again (it fails the stage, as a sink fails a batch).
   */
  readonly settled: boolean;
  /** The opening was recorded as delivered (AlertStore.markNotified): later entries only update. */
  readonly notified: boolean;
}

/**
 * Sends each alert the engine reports to the routes its level selects, every route in parallel (a
 * slow channel delays no other). Once an opening is settled on every route, the store is told, so
 * the alert's next entries are `updated` and reach only the routes that take updates. An opening that
 * is not settled stays `opened` in the store: sent again later, it reaches every route again (Slack
 * shows it twice; PagerDuty folds it into the same alert by its dedup_key).
 */
export class AlertRouter {
  constructor(
    private readonly table: RoutingTable,
    private readonly channels: ReadonlyMap<string, AlertChannel>,
    private readonly store?: AlertStore,
  ) {}

  async route(outcome: RoutableAlert, deadline: number): Promise<RoutedAlert> {
    const { kind, dedupKey } = outcome;
    // An update no route takes is not even built (the engine builds documents on first read).
    if (kind === 'updated' && !this.table.takesUpdates) {
      return { dedupKey, kind, deliveries: [], settled: true, notified: false };
    }
    const { alert } = outcome;
    const routes = this.table.routesFor(alert.level, kind);
    const deliveries = await Promise.all(
      routes.map(async (route): Promise<RouteDelivery> => {
        const channel = this.channels.get(route.name);
        const result: ChannelResult = channel
          ? await channel.send(alert, deadline)
          : {
              delivered: false,
              attempts: 0,
              code: AlertRoutingCodes.FAILED,
              message: `no channel was created for route ${route.name}`,
              retryLater: true,
            };
        return { route: route.name, type: route.config.type, result };
      }),
    );
    const settled = deliveries.every(({ result }) => result.delivered || !result.retryLater);
    let notified = false;
    if (kind === 'opened' && settled && this.store) {
      await this.store.markNotified(dedupKey);
      notified = true;
    }
    return { dedupKey, kind, deliveries, settled, notified };
  }

  /** Routes a batch's alerts, all at once (they go to different alerts, and often different channels). */
  routeAll(outcomes: readonly RoutableAlert[], deadline: number): Promise<RoutedAlert[]> {
    return Promise.all(outcomes.map((outcome) => this.route(outcome, deadline)));
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close?.();
  }
}
