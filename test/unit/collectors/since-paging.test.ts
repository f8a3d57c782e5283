import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CollectorCodes, CollectorError } from '../../../lambda/core/collectors/codes';
import { runCollector } from '../../../lambda/core/collectors/engine';
import {
  afterSincePage,
  decodeSincePosition,
  encodeSincePosition,
  firstSincePosition,
  sinceOf,
  type SincePosition,
} from '../../../lambda/core/collectors/since-paging';
import type { CollectorClient, FetchedPage, PageQuery } from '../../../lambda/core/collectors/types';
import { record, World, type FakeEvent } from './fakes';

const S = Date.UTC(2024, 5, 9, 8, 0, 0);
const SECOND = { precisionMs: 1000, until: S + 3_600_000 };
const events = (...times: number[]) => times.map((at, index) => record({ id: `e${index}`, at }));

describe('since paging, step by step', () => {
  it('reads on from the bound of the newest event received (the rest of its second, then what follows)', () => {
    const page = afterSincePage({ step: 'read', bound: S }, events(S + 100, S + 1_200, S + 2_700), SECOND);
    assert.deepEqual(page.next, { step: 'read', bound: S + 2_000 });
    assert.equal(page.records.length, 3);
    const millis = afterSincePage({ step: 'read', bound: S }, events(S, S + 7), {
      ...SECOND,
      precisionMs: 1,
    });
    assert.deepEqual(
      millis.next,
      { step: 'read', bound: S + 7 },
      'epoch-millis bounds move by the millisecond',
    );
  });

  it('asks what comes after a page that stays within its bound, and is caught up when nothing does', () => {
    const within = afterSincePage({ step: 'read', bound: S }, events(S, S + 400, S + 999), SECOND);
    assert.deepEqual(within.next, { step: 'after', bound: S });
    assert.equal(within.records.length, 3);
    assert.equal(sinceOf({ step: 'after', bound: S }, 1000).getTime(), S + 1000);
    assert.deepEqual(afterSincePage({ step: 'after', bound: S }, [], SECOND), { records: [] });
    assert.equal(afterSincePage({ step: 'read', bound: S }, [], SECOND).next, undefined);
  });

  it('does not ask past the upper bound', () => {
    const page = afterSincePage({ step: 'read', bound: S }, events(S + 5), { ...SECOND, until: S + 999 });
    assert.equal(page.next, undefined);
  });

  it('sets aside what comes after, and reads the bound again to learn whether its page was capped', () => {
    const probe = afterSincePage({ step: 'after', bound: S }, events(S + 1_500), SECOND);
    // Held back, not absent: the run must not take this empty page for the end.
    assert.deepEqual(probe, { records: [], heldBack: true, next: { step: 'recheck', bound: S } });
    // Events arrived between the two requests: the bound's page now reaches past it.
    const again = afterSincePage({ step: 'recheck', bound: S }, events(S + 10, S + 1_500), SECOND);
    assert.deepEqual(again.next, { step: 'read', bound: S + 1_000 });
    assert.equal(again.records.length, 2);
  });

  it('refuses a page capped within one second, naming the second and the fixes', () => {
    assert.throws(
      () => afterSincePage({ step: 'recheck', bound: S }, events(S, S + 1, S + 2), SECOND),
      (error: unknown) =>
        error instanceof CollectorError &&
        error.code === CollectorCodes.TIES_EXCEED_PAGE &&
        error.kind === 'fail' &&
        error.message.includes('3 events within one second 2024-06-09T08:00:00Z') &&
        /Fix: "timeFormat": "epoch-millis".*"limit".*cursor, link-header, offset/.test(error.message),
    );
  });

  it('refuses an API that answers with events older than it was asked for (it ignores {since})', () => {
    assert.throws(
      () => afterSincePage({ step: 'read', bound: S + 5_000 }, events(S, S + 1), SECOND),
      (error: unknown) =>
        error instanceof CollectorError &&
        error.code === CollectorCodes.BAD_RESPONSE &&
        /does not apply \{since\}/.test(error.message),
    );
  });

  it('writes positions as continuations and reads them back, refusing anything else', () => {
    for (const position of [
      { step: 'read', bound: S },
      { step: 'after', bound: 0 },
      { step: 'recheck', bound: S + 7 },
    ] as SincePosition[]) {
      assert.deepEqual(decodeSincePosition(encodeSincePosition(position)), position);
    }
    assert.throws(() => decodeSincePosition('next@12'), RangeError);
    assert.throws(() => decodeSincePosition('read@'), RangeError);
    assert.deepEqual(firstSincePosition(new Date(S + 1_234), 1000), { step: 'read', bound: S + 1_000 });
  });
});

/**
 * An API with a time filter at whole seconds and nothing else, paged by since-paging.ts as the
 * http-json client pages it: events oldest first (ties in arrival order), at most `cap` per page.
 */
class SinceOnlyApi implements CollectorClient {
  readonly durableCursor = false;
  readonly idField = 'id';
  readonly events: FakeEvent[] = [];
  requests = 0;

  constructor(
    private readonly cap: number,
    private readonly now: () => number,
  ) {}

  add(...added: FakeEvent[]): void {
    this.events.push(...added);
    this.events.sort((a, b) => a.at - b.at);
  }

  async fetchPage(query: PageQuery): Promise<FetchedPage> {
    this.requests += 1;
    assert.ok(this.requests < 100_000, 'a run kept asking');
    const position =
      query.cursor === undefined ? firstSincePosition(query.since, 1000) : decodeSincePosition(query.cursor);
    const since = sinceOf(position, 1000).getTime();
    const answer = this.events.filter((event) => event.at >= since).slice(0, this.cap);
    const page = afterSincePage(position, answer.map(record), { precisionMs: 1000, until: this.now() });
    return {
      records: page.records,
      ...(page.heldBack ? { heldBack: true } : {}),
      ...(page.next ? { next: encodeSincePosition(page.next) } : {}),
      ...(query.cursor !== undefined ? { requery: true } : {}),
    };
  }
}

const ORIGIN = Date.UTC(2024, 0, 1);
/** Steps between events (ms): 0 makes an event share the previous one's time; all within the lookback. */
const batch = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_500 })), { maxLength: 20 });

describe('collector runs on an API whose only paging is its time filter, for any events and page cap', () => {
  it('write every event once when fewer than a page share a second; else stop at that second, skipping nothing before it and writing nothing after it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(batch, { minLength: 1, maxLength: 4 }),
        async (cap, batches) => {
          let clock = ORIGIN + 3_600_000;
          const api = new SinceOnlyApi(cap, () => clock);
          const world = new World();
          const run = () =>
            runCollector(
              { name: 'since', prefix: 'api/logs', logType: 'events', firstRunLookbackMs: 7_200_000 },
              {
                client: api,
                writer: world,
                store: world,
                now: () => clock,
                deadline: Infinity,
                leaseMs: 60_000,
              },
            );
          let at = ORIGIN;
          let next = 0;
          for (const steps of batches) {
            api.add(...steps.map((step) => ({ id: `e${next++}`, at: (at += step) })));
            clock += 1_000;
            await run();
          }
          const outcome = await run();

          const perSecond = new Map<number, number>();
          for (const event of api.events) {
            const second = Math.floor(event.at / 1000);
            perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
          }
          const lines = world.lines().map((line) => line.id);
          assert.equal(lines.length, new Set(lines).size, 'an event was written twice');
          const statuses = world.outcomes.map((o) => o.code ?? o.status);
          if (Math.max(0, ...perSecond.values()) < cap) {
            assert.equal(outcome.status, 'caught-up');
            assert.deepEqual(
              statuses.filter((s) => s !== 'caught-up'),
              [],
            );
            assert.deepEqual(lines.sort(), api.events.map((event) => event.id).sort());
            return;
          }
          assert.deepEqual(
            statuses.filter((s) => s !== 'caught-up' && s !== CollectorCodes.TIES_EXCEED_PAGE),
            [],
          );
          const written = new Set(lines);
          if (outcome.status !== 'failed') {
            // Caught up: what may be missing is the rest of the newest second, when a page of its
            // events is all the API gives and nothing comes after it yet (a later event shows it).
            const last = Math.floor(api.events.at(-1)!.at / 1000);
            for (const event of api.events) {
              if (Math.floor(event.at / 1000) === last && perSecond.get(last)! >= cap) continue;
              assert.ok(written.has(event.id), `${event.id} was skipped`);
            }
            return;
          }
          // Stopped at a second holding at least a page: everything before it written, nothing after.
          const stoppedAt = Date.parse(/second (\S+)Z/.exec(outcome.message ?? '')![1] + 'Z') / 1000;
          assert.ok((perSecond.get(stoppedAt) ?? 0) >= cap, 'stopped at a second holding less than a page');
          for (const event of api.events) {
            const second = Math.floor(event.at / 1000);
            if (second < stoppedAt)
              assert.ok(written.has(event.id), `${event.id} before the stop was skipped`);
            if (second > stoppedAt)
              assert.ok(!written.has(event.id), `${event.id} after the stop was written`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
