import type { AlertDocument, GroupValue } from '../../lambda/core/detections/alerts/document';
import type { AlertStore } from '../../lambda/core/detections/alerts/store';
import type { AlertOutcome } from '../../lambda/core/detections/engine';
import { table } from '../shared/format';

/** One alert as `detect test` and `detect backtest` report it: its latest document and how often it grew. */
export interface AlertSummary {
  readonly dedupKey: string;
  /** The rule's name, else its key (the document has them all). */
  readonly rule: string;
  readonly title: string;
  readonly level: AlertDocument['level'];
  readonly group: Readonly<Record<string, GroupValue>>;
  /** The largest count of a window (correlations), or 1. */
  readonly count: number;
  /** Records the alert covers. */
  readonly occurrences: number;
  readonly firstEventTime: string;
  readonly lastEventTime: string;
  /** Updates after the opening (the running count grew). */
  readonly updates: number;
  /** The alert's latest document, as the channels and the `sluice-alerts` log type would get it. */
  readonly document: AlertDocument;
}

/**
 * The alerts a run would send, sent nowhere: each opening is taken as delivered (markNotified, as
 * the router does after delivering), so later entries count as updates of the same alert.
 */
export class AlertLog {
  private readonly alerts = new Map<string, { document: AlertDocument; count: number; updates: number }>();

  constructor(private readonly store: AlertStore) {}

  async take(outcomes: readonly AlertOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      const { alert } = outcome;
      const seen = this.alerts.get(outcome.dedupKey);
      this.alerts.set(outcome.dedupKey, {
        document: alert,
        count: Math.max(seen?.count ?? 0, alert.count),
        updates: (seen?.updates ?? 0) + (seen ? 1 : 0),
      });
      if (outcome.kind === 'opened') await this.store.markNotified(outcome.dedupKey);
    }
  }

  /** By first event time, then rule. */
  summaries(): AlertSummary[] {
    return [...this.alerts.entries()]
      .map(([dedupKey, { document, count, updates }]) => ({
        dedupKey,
        rule: document.rule.name ?? document.rule.key,
        title: document.rule.title,
        level: document.level,
        group: document.group,
        count,
        occurrences: document.occurrences,
        firstEventTime: document.firstEventTime,
        lastEventTime: document.lastEventTime,
        updates,
        document,
      }))
      .sort((a, b) =>
        a.firstEventTime < b.firstEventTime
          ? -1
          : a.firstEventTime > b.firstEventTime
            ? 1
            : a.dedupKey < b.dedupKey
              ? -1
              : 1,
      );
  }
}

/** The alerts as a table, or a line saying there are none. */
export function renderAlerts(alerts: readonly AlertSummary[]): string {
  if (alerts.length === 0) return 'no alert would fire';
  const group = (values: Readonly<Record<string, GroupValue>>) =>
    Object.entries(values)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(' ') || '-';
  return [
    `${alerts.length} alert(s) would fire:`,
    table([
      ['level', 'rule', 'group', 'count', 'records', 'first event', 'last event'],
      ...alerts.map((alert) => [
        alert.level,
        alert.rule,
        group(alert.group),
        alert.count,
        alert.occurrences,
        alert.firstEventTime,
        alert.lastEventTime,
      ]),
    ]),
  ].join('\n');
}
