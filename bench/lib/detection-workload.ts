import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';
import type { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import type { Contribution, WindowStore } from '../../lambda/core/detections/windows/store';
import { strongDmRecords, type LogType } from '../data/strongdm';

/**
 * The detection benchmarks' workload: StrongDM objects of 1,000 records of one log type, one account
 * per person, and the shipped StrongDM pack.
 */

/** `burst`: the generator's pace, every account ~175 statements a minute (the query burst fires all along). `quiet`: a quarter of it, ~44 (it never fires). */
export type DetectionWorkloadKind = 'burst' | 'quiet';

/** Gap between records (ms, uniform from 0): what makes a workload busy or quiet. */
export const MAX_GAP_MS: Readonly<Record<DetectionWorkloadKind, number>> = { burst: 40, quiet: 160 };

export const OBJECT_RECORDS = 1_000;

export interface DetectionObject {
  /** `sdm/logs/<logType>/YYYY/MM/DD/HH/MM/<n>.json`, the time being its first record's. */
  readonly key: string;
  readonly logType: LogType;
  readonly records: number;
  readonly bytes: Buffer;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * `records` StrongDM records from `seed` in objects of one log type (NDJSON), starting at
 * `startTimeMs`. The generator draws a new account id per record; a deployment has one per person,
 * which is what the per-account correlations group by.
 */
export function detectionObjects(options: {
  readonly seed: number;
  readonly records: number;
  readonly kind: DetectionWorkloadKind;
  readonly startTimeMs: number;
}): DetectionObject[] {
  const generator = strongDmRecords(options.seed, options.startTimeMs, {
    maxGapMs: MAX_GAP_MS[options.kind],
  });
  const objects: DetectionObject[] = [];
  for (let made = 0; made < options.records; made += OBJECT_RECORDS) {
    const first = generator.next();
    const values: Record<string, unknown>[] = [first];
    while (values.length < Math.min(OBJECT_RECORDS, options.records - made))
      values.push(generator.of(first.logType));
    for (const value of values)
      if (typeof value.actorEmail === 'string') value.actorAccountID = `a-${value.actorEmail}`;
    const at = new Date(Date.parse(String(first.timestamp).slice(0, 23) + 'Z'));
    const path = `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/${pad(at.getUTCMinutes())}`;
    objects.push({
      key: `sdm/logs/${first.logType}/${path}/${objects.length}.json`,
      logType: first.logType,
      records: values.length,
      bytes: Buffer.from(`${values.map((value) => JSON.stringify(value)).join('\n')}\n`),
    });
  }
  return objects;
}

/**
 * Statements per account and minute of event time (the query burst counts 100 within a minute):
 * the median and the largest over every (account, minute) with a statement.
 */
export function statementsPerAccountMinute(objects: readonly DetectionObject[]): {
  median: number;
  max: number;
} {
  const counts = new Map<string, number>();
  for (const object of objects) {
    if (object.logType !== 'queries') continue;
    for (const line of object.bytes.toString('utf8').split('\n')) {
      if (line === '') continue;
      const value = JSON.parse(line) as { actorAccountID: string; timestamp: string };
      const key = `${value.actorAccountID} ${value.timestamp.slice(0, 16)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const sorted = [...counts.values()].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** The shipped StrongDM pack as the stack bundles it (`[{ path, text }]`, rule tests left out). */
export function strongDmPack(packDir = resolve(__dirname, '../../detections/strongdm')): RuleFile[] {
  return readdirSync(packDir)
    .filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'))
    .sort()
    .map((name) => ({ path: `strongdm/${name}`, text: readFileSync(join(packDir, name), 'utf8') }));
}

/**
 * A window store keeping no samples beyond the batch (the DynamoDB store keeps 5 per item): an
 * in-memory store keeping every matched record's value for the whole run would measure its own heap.
 */
export function withoutSamples(store: MemoryWindowStore): WindowStore {
  return {
    add: (partition, contributions, expiresAtMs) =>
      store.add(
        partition,
        contributions.map(({ ref, value }): Contribution => {
          const { id, bucket, key, offset, eventTimeMs } = ref;
          return { ref: { id, bucket, key, offset, eventTimeMs }, value };
        }),
        expiresAtMs,
      ),
    range: (partition, fromMs, toMs) => store.range(partition, fromMs, toMs),
  };
}
