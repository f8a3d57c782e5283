import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { CursorApi, TimeApi, World, type FakeEvent } from './fakes';

const DAY = 86_400_000;
const ORIGIN = Date.UTC(2024, 0, 1);

const runSpec = fc.record({
  limit: fc.integer({ min: 1, max: 7 }),
  maxRecordsPerObject: fc.integer({ min: 1, max: 5 }),
  /** The process dies at this commit (between an object's write and its checkpoint)… */
  crashAtCommit: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  /** …or while writing this object. */
  crashAtWrite: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  /** Pages the time budget allows. */
  budgetPages: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

/** Time steps between consecutive events: 0 makes an event share the previous one's time. */
const batch = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_500 })), { maxLength: 25 });

const scenario = fc.record({
  durable: fc.boolean(),
  /**
   * Events may arrive with times older than events already there: anywhere for a durable API, up to
   * 5 s (within the default lookback) for one resumed by time.
   */
  lateEvents: fc.boolean(),
  rounds: fc.array(fc.record({ batch, runs: fc.array(runSpec, { minLength: 1, maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 5,
  }),
});

describe('collector runs, for any pages, page sizes, crashes, shared timestamps and late events', () => {
  it('write every event of the API at least once, only events of the API, and each once when no run crashed', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ durable, lateEvents, rounds }) => {
        const api = durable ? new CursorApi(1) : new TimeApi(1);
        const world = new World();
        let clock = ORIGIN + 30 * DAY;
        const fetchPage = api.fetchPage.bind(api);
        // Each request takes a second of the run's budget.
        api.fetchPage = async (query) => {
          clock += 1_000;
          return fetchPage(query);
        };
        let next = 0;
        let at = ORIGIN;
        const run = async (spec: {
          limit: number;
          maxRecordsPerObject: number;
          crashAtCommit?: number;
          crashAtWrite?: number;
          budgetPages?: number;
        }) => {
          api.pageLimit = spec.limit;
          world.crashAtCommit = spec.crashAtCommit;
          world.crashAtWrite = spec.crashAtWrite;
          return runCollector(
            {
              name: 'prop',
              prefix: 'api/logs',
              logType: 'events',
              maxRecordsPerObject: spec.maxRecordsPerObject,
              firstRunLookbackMs: 60 * DAY,
            },
            {
              client: api,
              writer: world,
              store: world,
              now: () => clock,
              deadline: spec.budgetPages === undefined ? Infinity : clock + spec.budgetPages * 1_000 - 1,
              leaseMs: 60_000,
            },
          );
        };

        for (const round of rounds) {
          const events: FakeEvent[] = round.batch.map((step, index) => {
            at += step;
            const late = lateEvents && index % 3 === 2;
            return { id: `e${next++}`, at: late ? at - 5_000 : at };
          });
          api.add(...events);
          for (const spec of round.runs) await run(spec);
        }
        // Then runs with no crash and no budget limit until one finds the API caught up.
        let caughtUp = false;
        for (let i = 0; i < 10 && !caughtUp; i++) {
          caughtUp = (await run({ limit: 3, maxRecordsPerObject: 4 })).status === 'caught-up';
        }
        assert.ok(caughtUp, 'the collector never caught up');

        const expected = new Set(api.events.map((event) => event.id));
        const lines = world.lines().map((line) => line.id);
        const written = new Set(lines);
        assert.deepEqual(
          [...written].sort(),
          [...expected].sort(),
          'the objects hold exactly the API events, by id',
        );
        const crashed = world.outcomes.some((outcome) => outcome.status === 'failed');
        if (!crashed) assert.equal(lines.length, written.size, 'an event was written twice without a crash');
      }),
      { numRuns: 300 },
    );
  });
});
