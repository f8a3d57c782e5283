import { CollectorError } from '../../lambda/core/collectors/codes';
import { collectorConfig, type CollectorConfig } from '../../lambda/core/collectors/config';
import { Continuations } from '../../lambda/core/collectors/continuations';
import type { CollectorClient, PageQuery } from '../../lambda/core/collectors/types';
import { configErrorMap } from '../../lambda/core/config/error-map';
import { formatIssues } from '../../lambda/core/config/load';
import { usageError } from '../shared/errors';

/** What `sluice pull` changes in a collector's configuration for one interactive query. */
export interface PullOverrides {
  /** `--query`: exact-match filters (cirrus-siem) or query parameters (http-json), added to the configured ones. */
  readonly query?: Readonly<Record<string, string>>;
  /** `--limit`: events per API query. */
  readonly limit?: number;
}

/** The collector's configuration with the command line's filters and page size, validated again. */
export function pullConfig(config: CollectorConfig, overrides: PullOverrides): CollectorConfig {
  if (config.type === 'stellarbridge-events' && (overrides.query || overrides.limit)) {
    throw usageError(
      `collector '${config.name}' is stellarbridge-events: its API documents neither filters nor a page size, so --query and --limit do not apply`,
    );
  }
  const raw = {
    ...config,
    ...(overrides.limit !== undefined ? { limit: overrides.limit } : {}),
    ...(overrides.query ? { query: { ...(config as { query?: object }).query, ...overrides.query } } : {}),
  };
  const parsed = collectorConfig.safeParse(raw, { error: configErrorMap });
  if (!parsed.success) {
    throw usageError(
      `--query/--limit do not fit collector '${config.name}': ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface PullOptions {
  readonly since: Date;
  readonly until: Date;
  /** `-x`: one API query only. */
  readonly onePage: boolean;
  /** Epoch ms after which no request starts (retries of 429 and 5xx end there too). */
  readonly deadline: number;
  /** Receives each event as one line of JSON (without the newline), in the API's order. */
  readonly write: (line: string) => Promise<void> | void;
  /**
   * True once the operator asked to stop: no page starts after it, and a page its client gave up on
   * meanwhile (a pause: retries cut short by the same stop) ends the pull instead of failing it.
   */
  readonly shouldStop?: () => boolean;
  readonly onPage?: (pages: number, events: number) => void;
}

export interface PullResult {
  readonly pages: number;
  readonly events: number;
  /** Why it stopped: the API had no more, `-x`, or a signal. */
  readonly stoppedBy: 'caught-up' | 'one-page' | 'signal';
  /**
   * Stopped by a signal: the `--since` that reads the rest (RFC 3339): the newest event written, whose
   * instant is read again (an API may have more events of it), else the range's start.
   */
  readonly resumeSince?: string;
}

/**
 * Reads the API from `since` to `until`: page after page while the API gives a continuation not
 * followed yet with events, whatever the pages' length, as a scheduled run does (continuations.ts); one page only
 * with `-x`. Nothing is kept: no checkpoint is read or written. Events outside the range (an API that
 * does not filter by time) are left out, and events a `since`-paged API returns again on its next
 * page are written once.
 */
export async function pullEvents(client: CollectorClient, options: PullOptions): Promise<PullResult> {
  const since = options.since.getTime();
  const until = options.until.getTime();
  let query: PageQuery = { since: options.since, until: options.until };
  const continuations = new Continuations(undefined);
  const recent = new RecentIds();
  let pages = 0;
  let events = 0;
  let newestWritten = since;
  const stopped = (): PullResult => ({
    pages,
    events,
    stoppedBy: 'signal',
    resumeSince: new Date(newestWritten).toISOString(),
  });
  for (;;) {
    if (options.shouldStop?.()) return stopped();
    let page;
    try {
      page = await client.fetchPage(query, { deadline: options.deadline });
    } catch (error) {
      // A page still being retried when the operator stopped is left for the next pull, not a failure.
      if (options.shouldStop?.() && error instanceof CollectorError && error.kind === 'pause')
        return stopped();
      throw error;
    }
    pages += 1;
    for (const record of page.records) {
      const at = record.timestamp.epochMillis;
      const again = recent.has(record.id);
      recent.add(record.id, at);
      if (at < since || at > until || (page.requery && again)) continue;
      await options.write(record.line);
      events += 1;
      newestWritten = Math.max(newestWritten, at);
    }
    options.onPage?.(pages, events);
    if (options.onePage) return { pages, events, stoppedBy: 'one-page' };
    const cursor = continuations.after(page);
    if (cursor === undefined) return { pages, events, stoppedBy: 'caught-up' };
    query = { since: options.since, until: options.until, cursor };
  }
}

/**
 * The ids of the events within a second of the newest one read: all that a `since`-paged API can
 * return again on its next page (it asks again from the newest event's second at the earliest).
 */
class RecentIds {
  private readonly ids = new Map<string, number>();
  private newest = -Infinity;

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string, at: number): void {
    this.ids.set(id, at);
    if (at <= this.newest) return;
    this.newest = at;
    // Oldest first, as the API returns them: the first one recent enough ends the pruning (one left
    // behind only costs memory, an id is the same event).
    for (const [known, time] of this.ids) {
      if (time >= at - 1000) break;
      this.ids.delete(known);
    }
  }
}
