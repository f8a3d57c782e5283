import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../../../bench/data/random';
import { recordMarker, strongDmRecords, type LogType } from '../../../bench/data/strongdm';
import { DynamoDbAlertStore } from '../../../lambda/adapters/dynamodb-alert-store';
import { DynamoDbWindowStore } from '../../../lambda/adapters/dynamodb-window-store';
import type { AlertDocument } from '../../../lambda/core/detections/alerts/document';
import {
  MemoryAlertStore,
  type AlertOutcomeKind,
  type AlertStore,
} from '../../../lambda/core/detections/alerts/store';
import { BatchMatches } from '../../../lambda/core/detections/batch-matches';
import { DetectionEngine } from '../../../lambda/core/detections/engine';
import type { DetectionRecord } from '../../../lambda/core/detections/records';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { compileRuleSet } from '../../../lambda/core/detections/sigma/rule-set';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import type { WindowStore } from '../../../lambda/core/detections/windows/store';
import { createDetectionTable } from '../../support/detection-table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

const PACK_DIR = resolve(__dirname, '../../../detections/strongdm');
const ruleSet = compileRuleSet(
  readdirSync(PACK_DIR)
    .filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'))
    .map((name) => ({
      path: `detections/strongdm/${name}`,
      text: readFileSync(join(PACK_DIR, name), 'utf8'),
    })),
);
/** The log type of each object: the generator's proportions, roughly, with every log type the pack reads. */
const OBJECT_LOG_TYPES: readonly LogType[] = [
  'queries',
  'queries',
  'activities',
  'queries',
  'activities',
  'replays',
  'queries',
];
const OBJECT_RECORDS = 1_000;

/**
 * Vendor objects of one log type each, as the bench generates them (70 % queries, 20 % activities,
 * 10 % replays), with one account per person (what the per-account rules group by) and a few
 * destructive statements on prod resources, so that every rule of the pack has something to say.
 */
function strongDmObjects(seed: number): DetectionRecord[][] {
  const generator = strongDmRecords(seed);
  const objects: DetectionRecord[][] = [];
  for (const [o, logType] of OBJECT_LOG_TYPES.entries()) {
    const values: Record<string, unknown>[] = [];
    while (values.length < OBJECT_RECORDS) values.push(generator.of(logType));
    objects.push(
      values.map((value, i) => {
        if (typeof value.actorEmail === 'string') value.actorAccountID = `a-${value.actorEmail}`;
        if (logType === 'queries' && i % 250 === 7) {
          value.query = 'DROP TABLE orders';
          value.resourceTags = { env: 'prod' };
        }
        return {
          id: recordMarker(value),
          source: 'strongdm',
          logType,
          eventTimeMs: Date.parse(String(value.timestamp)),
          bucket: 'logs',
          key: `strongdm/${logType}/2024/02/01/18/50/object-${o}.json`,
          offset: i * 700,
          value,
        };
      }),
    );
  }
  return objects;
}

interface Outcome {
  readonly kind: AlertOutcomeKind;
  readonly dedupKey: string;
  readonly alert: AlertDocument;
}

/** Runs the pack over batches as the detection stage does: an opening is marked notified once handed on. */
async function run(
  stores: { windows: WindowStore; alerts: AlertStore },
  batches: readonly (readonly DetectionRecord[])[],
): Promise<Outcome[][]> {
  const engine = new DetectionEngine(
    new RuleIndex(ruleSet, [{ name: 'strongdm', preset: 'strongdm' }]),
    stores,
  );
  const answered: Outcome[][] = [];
  for (const batch of batches) {
    const nowMs = Math.max(...batch.map((record) => record.eventTimeMs));
    const outcomes = await engine.process(batch, nowMs);
    for (const outcome of outcomes)
      if (outcome.kind === 'opened') await stores.alerts.markNotified(outcome.dedupKey);
    answered.push(outcomes.map(({ kind, dedupKey, alert }) => ({ kind, dedupKey, alert })));
  }
  return answered;
}

/** Samples are the only part of a document the DynamoDB store may answer differently: it keeps a few records per item. */
function withoutSamples(outcomes: Outcome[][]) {
  return outcomes.map((batch) =>
    batch.map(({ kind, dedupKey, alert }) => {
      const { samples: _samples, ...rest } = alert;
      return { kind, dedupKey, alert: rest };
    }),
  );
}

/** Each alert's state after the run, from the outcomes: the last one that changed it carries it. */
function finalStates(outcomes: Outcome[][]) {
  const states = new Map<string, { occurrences: number; firstEventTime: string; lastEventTime: string }>();
  for (const batch of outcomes) {
    for (const { dedupKey, alert } of batch) {
      const known = states.get(dedupKey);
      if (!known || alert.occurrences >= known.occurrences) {
        const { occurrences, firstEventTime, lastEventTime } = alert;
        states.set(dedupKey, { occurrences, firstEventTime, lastEventTime });
      }
    }
  }
  return new Map([...states].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A delivery as SQS and replays make it: objects in another order, some of them twice. */
function redelivered(objects: readonly DetectionRecord[][], seed: number): DetectionRecord[][] {
  const random = seededRandom(seed);
  const order = objects.map((object) => ({ object, key: random.next() }));
  for (const object of objects) if (random.chance(0.4)) order.push({ object, key: random.next() });
  return order.sort((a, b) => a.key - b.key).map((item) => item.object);
}

/** The same records cut into other batches: shuffled across objects, some twice, in batches of 300 to 1,500. */
function recut(objects: readonly DetectionRecord[][], seed: number): DetectionRecord[][] {
  const random = seededRandom(seed);
  const records = objects.flat().flatMap((record) => (random.chance(0.1) ? [record, record] : [record]));
  const shuffled = records
    .map((record) => ({ record, key: random.next() }))
    .sort((a, b) => a.key - b.key)
    .map((item) => item.record);
  const batches: DetectionRecord[][] = [];
  for (let start = 0; start < shuffled.length;) {
    const size = random.int(300, 1_500);
    batches.push(shuffled.slice(start, start + size));
    start += size;
  }
  return batches;
}

describe('the detection engine over the DynamoDB stores, with the StrongDM pack (moto)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let tables = 0;
  const objects = strongDmObjects(7);
  const valuesSeen = new Set(objects.flat().map((record) => JSON.stringify(record.value)));
  let baseline: Outcome[][];
  let baselineStates: ReturnType<typeof finalStates>;

  async function dynamoStores() {
    tables += 1;
    const table = `sluice-detections-${tables}`;
    await createDetectionTable(dynamodb, table);
    return {
      windows: new DynamoDbWindowStore(dynamodb, table),
      alerts: new DynamoDbAlertStore(dynamodb, table),
    };
  }

  const memoryStores = () => ({ windows: new MemoryWindowStore(), alerts: new MemoryAlertStore() });

  function assertSamplesAreRecords(outcomes: Outcome[][]) {
    for (const { alert } of outcomes.flat()) {
      assert.ok(alert.samples.length <= 5);
      for (const sample of alert.samples)
        assert.ok(valuesSeen.has(JSON.stringify(sample)), 'a sample is a record read');
    }
  }

  before(async () => {
    moto = await startMoto();
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const memory = memoryStores();
    baseline = await run(memory, objects);
    baselineStates = finalStates(baseline);
    // What the workload makes the pack say: every rule but the admin logins' fires here.
    const rules = new Set(baseline.flat().map((outcome) => outcome.alert.rule.name));
    for (const rule of [
      'sdm_query_burst',
      'sdm_destructive_sql_prod',
      'sdm_role_or_permission_grant',
      'sdm_prod_interactive_session',
    ])
      assert.ok(rules.has(rule), `the workload fires ${rule}`);
    assert.deepEqual(
      new Map(
        [...memory.alerts.snapshot()].map(([key, state]) => [
          key,
          {
            occurrences: state.memberIds.size,
            firstEventTime: new Date(state.firstEventMs).toISOString(),
            lastEventTime: new Date(state.lastEventMs).toISOString(),
          },
        ]),
      ),
      new Map(baselineStates),
      'the outcomes carry every alert’s final state',
    );
  });
  after(async () => {
    dynamodb.destroy();
    await moto.stop();
  });

  it('gives the same alerts as the memory stores, batch for batch', async (t) => {
    const answered = await run(await dynamoStores(), objects);
    assert.deepEqual(withoutSamples(answered), withoutSamples(baseline));
    assertSamplesAreRecords(answered);
    const documents = baseline.flat().map((outcome) => outcome.alert);
    const otherSamples = answered
      .flat()
      .filter((outcome, i) => JSON.stringify(outcome.alert.samples) !== JSON.stringify(documents[i].samples));
    t.diagnostic(
      `${otherSamples.length} of ${documents.length} documents have other samples than with the memory stores`,
    );
  });

  for (const seed of [1, 2]) {
    it(`ends with the same alerts whatever the order and the redeliveries (seed ${seed})`, async () => {
      const delivery = redelivered(objects, seed);
      const answered = await run(await dynamoStores(), delivery);
      assert.deepEqual(withoutSamples(answered), withoutSamples(await run(memoryStores(), delivery)));
      assert.deepEqual(finalStates(answered), baselineStates);
      const openings = answered.flat().filter((outcome) => outcome.kind === 'opened');
      assert.deepEqual(
        openings.map((outcome) => outcome.dedupKey).sort(),
        [...baselineStates.keys()],
        'each alert opened once',
      );
      assertSamplesAreRecords(answered);
    });
  }

  it('ends with the same alerts when the records come in other batches, some twice', async () => {
    const answered = await run(await dynamoStores(), recut(objects, 3));
    assert.deepEqual(finalStates(answered), baselineStates);
    assertSamplesAreRecords(answered);
  });

  it('costs few requests per batch of 1,000 records: one write for all its groups, a read per group, about four per alert registered', async (t) => {
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const calls = new Map<string, number>();
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as {
          Key?: { sk?: { S?: string } };
          UpdateExpression?: string;
          ExpressionAttributeValues?: Record<string, { S?: string }>;
          RequestItems?: Record<string, { PutRequest?: { Item?: { pk?: { S?: string } } } }[]>;
        };
        let name = String(context.commandName).replace(/Command$/, '');
        if (name === 'UpdateItem') {
          if (input.UpdateExpression === 'SET notified = :true') name += ' (markNotified)';
          else name += input.Key?.sk?.S === 'alert' ? ' (alert head)' : ' (alert members)';
        }
        const partition =
          input.ExpressionAttributeValues?.[':pk']?.S ??
          Object.values(input.RequestItems ?? {})[0]?.[0]?.PutRequest?.Item?.pk?.S;
        if ((name === 'Query' || name === 'BatchWriteItem') && partition?.startsWith('a#'))
          name += ' (alert members)';
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize' },
    );
    tables += 1;
    const table = `sluice-detections-${tables}`;
    await createDetectionTable(counting, table);
    const alerts = new DynamoDbAlertStore(counting, table);
    const engine = new DetectionEngine(new RuleIndex(ruleSet, [{ name: 'strongdm', preset: 'strongdm' }]), {
      windows: new DynamoDbWindowStore(counting, table),
      alerts,
    });
    const index = new RuleIndex(ruleSet, [{ name: 'strongdm', preset: 'strongdm' }]);
    for (const [o, batch] of objects.entries()) {
      calls.clear();
      const nowMs = batch[batch.length - 1].eventTimeMs;
      const outcomes = await engine.process(batch, nowMs);
      for (const outcome of outcomes)
        if (outcome.kind === 'opened') await alerts.markNotified(outcome.dedupKey);
      const matches = new BatchMatches(index, nowMs, 3_600_000);
      for (const record of batch) matches.add(record);
      const groups = matches.groupMatches().length;
      const count = (name: string) => calls.get(name) ?? 0;
      const total = [...calls.values()].reduce((sum, n) => sum + n, 0);
      t.diagnostic(
        `object ${o} (${batch[0].logType}, ${batch.length} records): ${total} requests: ${JSON.stringify(Object.fromEntries(calls))}; ${groups} groups counted, ${outcomes.length} outcomes`,
      );
      // A group's items are one per minute its batch spans (a batch of an object spans one or two).
      assert.ok(
        count('BatchWriteItem') <= Math.ceil((2 * groups) / 25),
        "the groups' items go together, 25 to a request",
      );
      assert.equal(count('Query'), groups, 'one read per group');
      const heads = count('UpdateItem (alert head)');
      assert.ok(
        count('Query (alert members)') <= 4 * heads,
        'an entry spans one or two chunks (5 minutes) of members: a read each, and again after its write',
      );
      assert.ok(
        count('BatchWriteItem (alert members)') <= Math.ceil(count('Query (alert members)') / 25) + 1,
        'what the reads did not find written together, 25 items to a request',
      );
      assert.equal(count('UpdateItem (alert members)'), 0, 'member items are never updated');
    }
    counting.destroy();
  });
});
