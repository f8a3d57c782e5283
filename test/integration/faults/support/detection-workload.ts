import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chunksOf, serialize, type ObjectFormat, type VendorObject } from '../../../../bench/data/objects';
import { seededRandom } from '../../../../bench/data/random';
import { recordMarker, strongDmRecords, type StrongDmRecord } from '../../../../bench/data/strongdm';
import { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../../lambda/core/detections/engine';
import { buildRuleIndex } from '../../../../lambda/core/detections/load-rules';
import { readDetectionRecords } from '../../../../lambda/core/detections/read-records';
import { isRuleFile } from '../../../../lambda/core/detections/rule-file-names';
import type { RuleFile } from '../../../../lambda/core/detections/sigma/rule-set';
import type { Level } from '../../../../lambda/core/detections/sigma/types';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import type { RuntimeSource } from '../../../../lambda/forwarder/runtime-config';

/** The StrongDM pack, as the stack bundles it (`[{ path, text }]`, tests left out). */
export function strongDmPack(): RuleFile[] {
  const folder = join(__dirname, '..', '..', '..', '..', 'detections', 'strongdm');
  return readdirSync(folder)
    .filter(isRuleFile)
    .sort()
    .map((name) => ({
      path: `detections/strongdm/${name}`,
      text: readFileSync(join(folder, name), 'utf8'),
    }));
}

export interface DetectionWorkloadOptions {
  readonly seed: number;
  /** Minutes of event time, from `startMs`. */
  readonly minutes: number;
  readonly startMs: number;
  /** Background queries per minute (a dozen people). Default: 70. */
  readonly queriesPerMinute?: number;
  /** Activities per minute. Default: 25. */
  readonly activitiesPerMinute?: number;
  /** Records per queries object / activities object (cut by count: objects straddle minutes). Default: 240 / 100. */
  readonly queriesPerObject?: number;
  readonly activitiesPerObject?: number;
}

/** A service account that runs a burst of statements in some minutes (the pack's burst rule: ≥ 100 in 1 m). */
const BURSTS = [
  { email: 'svc-etl@example.com', account: 'a-5ec0e71000000001', every: 4, at: 1, statements: 110 },
  { email: 'svc-report@example.com', account: 'a-5ec0e71000000002', every: 5, at: 3, statements: 104 },
] as const;

/** One in this many background statements drops a table on a production resource. */
const DESTRUCTIVE_ONE_IN = 30;

function timestampOf(ms: number, random: { int(min: number, max: number): number }): string {
  // StrongDM writes nanoseconds: milliseconds from the Date, six more digits drawn.
  return `${new Date(ms).toISOString().slice(0, 23)}${String(random.int(0, 999_999)).padStart(6, '0')}Z`;
}

/** StrongDM accounts are stable per person (the generator draws one per record). */
function accountOf(email: unknown): string {
  return `a-${createHash('sha256').update(String(email)).digest('hex').slice(0, 16)}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function objectsOf(
  logType: 'queries' | 'activities',
  records: readonly { readonly ms: number; readonly record: StrongDmRecord }[],
  perObject: number,
  order: ReturnType<typeof seededRandom>,
  first: number,
): VendorObject[] {
  const sorted = [...records].sort((a, b) => a.ms - b.ms);
  const objects: VendorObject[] = [];
  for (let start = 0; start < sorted.length; start += perObject) {
    const index = first + objects.length;
    const slice = sorted.slice(start, start + perObject);
    const format: ObjectFormat = index % 3 === 2 ? 'pretty' : 'ndjson';
    const gzip = index % 2 === 1;
    const raw = Buffer.from(`${slice.map(({ record }) => serialize(record, format)).join('\n')}\n`);
    const at = new Date(slice[0].ms);
    const name = `${order.hex(8)}-${order.hex(4)}-4${order.hex(3)}-a${order.hex(3)}-${order.hex(12)}`;
    const path = `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/${pad(at.getUTCMinutes())}`;
    objects.push({
      key: `sdm/logs/${logType}/${path}/${name}.json${gzip ? '.gz' : ''}`,
      logType,
      records: slice.length,
      rawBytes: raw.length,
      body: gzip ? gzipSync(raw) : raw,
      markers: slice.map(({ record }) => recordMarker(record)),
    });
  }
  return objects;
}

/**
 * StrongDM objects that make the StrongDM pack fire, from a seed: every minute has role grants
 * (medium) and interactive production sessions (low); about one statement in 30 drops a production
 * table (high); two service accounts run bursts of 100+ statements within a minute in some minutes
 * (medium). Objects are cut by record count, so they straddle minutes: an alert of one minute is
 * opened by one object and updated by the next.
 */
export function detectionObjects(options: DetectionWorkloadOptions): VendorObject[] {
  const generator = strongDmRecords(options.seed, options.startMs);
  const random = seededRandom(options.seed + 1);
  const order = seededRandom(options.seed + 2);
  const queries: { ms: number; record: StrongDmRecord }[] = [];
  const activities: { ms: number; record: StrongDmRecord }[] = [];
  const at = (minute: number, fromMs = 0, toMs = 59_999) =>
    options.startMs + minute * 60_000 + random.int(fromMs, toMs);

  for (let minute = 0; minute < options.minutes; minute += 1) {
    for (let i = 0; i < (options.queriesPerMinute ?? 70); i += 1) {
      const ms = at(minute);
      const record: StrongDmRecord = { ...generator.of('queries'), timestamp: timestampOf(ms, random) };
      record.actorAccountID = accountOf(record.actorEmail);
      if (random.int(1, DESTRUCTIVE_ONE_IN) === 1) {
        record.query = `drop table ${random.pick(['orders', 'payments', 'sessions'])}`;
        record.resourceTags = { env: 'prod', team: 'payments' };
      }
      queries.push({ ms, record });
    }
    for (const burst of BURSTS) {
      if (minute % burst.every !== burst.at) continue;
      for (let i = 0; i < burst.statements; i += 1) {
        // Within 5 s … 50 s of the minute: one window, one period.
        const ms = at(minute, 5_000, 50_000);
        queries.push({
          ms,
          record: {
            ...generator.of('queries'),
            actorEmail: burst.email,
            actorAccountID: burst.account,
            resourceTags: { env: 'staging' },
            timestamp: timestampOf(ms, random),
          },
        });
      }
    }
    for (let i = 0; i < (options.activitiesPerMinute ?? 25); i += 1) {
      const ms = at(minute);
      const record: StrongDmRecord = { ...generator.of('activities'), timestamp: timestampOf(ms, random) };
      record.actorAccountID = accountOf(record.actorEmail);
      activities.push({ ms, record });
    }
  }
  const queryObjects = objectsOf('queries', queries, options.queriesPerObject ?? 240, order, 0);
  return [
    ...queryObjects,
    ...objectsOf('activities', activities, options.activitiesPerObject ?? 100, order, queryObjects.length),
  ];
}

/** One alert of the reference run. */
export interface ReferenceAlert {
  readonly ruleKey: string;
  readonly level: Level;
  /** Distinct records the alert covers once every record was read. */
  readonly occurrences: number;
}

/**
 * The alerts a fault-free run opens: the engine over memory stores, reading each object as the
 * forwarder reads it (same record ids, log types and event times), one chunk per batch, each opening
 * marked notified as the detections stage marks it. By dedup key.
 */
export async function referenceAlerts(input: {
  readonly objects: readonly VendorObject[];
  readonly bucket: string;
  readonly rules: readonly RuleFile[];
  readonly sources: readonly RuntimeSource[];
  readonly source: RuntimeSource;
  readonly dedupPeriodMs: number;
  readonly latenessMs: number;
}): Promise<Map<string, ReferenceAlert>> {
  const alerts = new MemoryAlertStore();
  const engine = new DetectionEngine(buildRuleIndex(input.rules, input.sources), {
    windows: new MemoryWindowStore(),
    alerts,
    dedupPeriodMs: input.dedupPeriodMs,
    latenessMs: input.latenessMs,
  });
  const found = new Map<string, { ruleKey: string; level: Level }>();
  for (const object of input.objects) {
    const chunks = readDetectionRecords(chunksOf(object.body), {
      source: input.source,
      bucket: input.bucket,
      key: object.key,
      eTag: createHash('md5').update(object.body).digest('hex'),
      logTypeFromKey: object.logType,
      // Only for records without a time: every generated record has one.
      eventTime: new Date(0),
      maxRecordBytes: 1024 * 1024,
      maxDecompressedBytes: 1024 * 1024 * 1024,
    });
    for await (const chunk of chunks) {
      for (const outcome of await engine.process(chunk.records, Date.now())) {
        found.set(outcome.dedupKey, { ruleKey: outcome.alert.rule.key, level: outcome.alert.level });
        if (outcome.kind === 'opened') await alerts.markNotified(outcome.dedupKey);
      }
    }
  }
  const states = alerts.snapshot();
  return new Map(
    [...found].map(([dedupKey, alert]) => [
      dedupKey,
      { ...alert, occurrences: states.get(dedupKey)!.memberIds.size },
    ]),
  );
}
