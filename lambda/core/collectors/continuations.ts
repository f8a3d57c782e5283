import type { FetchedPage } from './types';

/**
 * Decides whether a run reads on after a page, and from where: it follows the API's continuation
 * whenever there is one it has not followed yet, whatever the page's length. APIs cap pages below the
 * `limit` asked for without saying so (one that returns at most 50 while asked for 100), so a short
 * page does not mean the API is caught up; stopping there would leave the rest of a backlog to later
 * runs, one page each, and the collector would fall further behind every run while looking caught up.
 *
 * The run ends when the API gives no continuation (clients whose only signal is the page's length,
 * offset paging, give none after an empty page), or one already followed in this run: an API that
 * keeps pointing at the end of its log (Cirrus's `after` position) answers the same continuation
 * again, and one that points back to an earlier page would otherwise loop.
 *
 * It ends too on an empty page that comes with a new continuation: a polling cursor (Okta's System
 * Log hands out a `next` link on every page, empty or not) says "nothing more now, ask from here
 * later", and following it would page until the run's budget is spent, every run. The run keeps that
 * continuation as its resume point (a durable cursor), so the next run asks from it and loses
 * nothing. "Empty" is what the API answered, not what is new: a page of events all written already
 * (read again by `since` paging or the lookback) is not empty, nor is a `since` probe whose events
 * the client holds back (`FetchedPage.heldBack`).
 */
export class Continuations {
  private readonly followed = new Set<string>();

  /** `start`: the continuation of the run's first query (a durable cursor from the checkpoint), if any. */
  constructor(start: string | undefined) {
    if (start !== undefined) this.followed.add(start);
  }

  /** The continuation to ask for next, or undefined when the API has no more for now. */
  after(page: FetchedPage): string | undefined {
    const { next } = page;
    if (next === undefined || this.followed.has(next)) return undefined;
    if (page.records.length === 0 && !page.heldBack) return undefined;
    this.followed.add(next);
    return next;
  }
}
