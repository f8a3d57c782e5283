import { MemoryAlertStore, type AlertStore } from '../../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { buildRuleSet, compilePlainRule } from '../../../../lambda/core/detections/sigma/rule-set';
import type { RuleSet } from '../../../../lambda/core/detections/sigma/rule-set';
import { DetectionSink } from '../../../../lambda/core/detections/stage/detection-sink';
import type { AlertObjectWriter } from '../../../../lambda/core/detections/stage/ports';
import type { WaveOptions } from '../../../../lambda/core/detections/stage/waves';
import type { AlertRecord } from '../../../../lambda/core/detections/routing/alert-record';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import type { WindowStore } from '../../../../lambda/core/detections/windows/store';
import type { ForwardDependencies, ForwardSource } from '../../../../lambda/core/forward/forward-object';
import type { ObjectRef } from '../../../../lambda/core/notifications/object-ref';
import { MemoryObjects, MemoryQuarantine, ndjson, RecordingSink } from '../../forward/fakes';

export const BUCKET = 'acme-logs';
export const KEY = 'app/events/2024/02/01/13/00/a.json';

export const source: ForwardSource = {
  name: 'app',
  format: 'ndjson',
  timestampField: 'timestamp',
  idFieldByLogType: { events: 'id' },
};

/**
 * `drop_table` alerts on each record whose query drops a table (one alert per hour); `query` feeds
 * `query_burst`, 3 or more queries from one actor within a minute (per actor, per hour).
 */
export function rules(): RuleSet {
  return buildRuleSet([
    compilePlainRule('drop.yml', {
      title: 'table dropped',
      name: 'drop_table',
      logsource: { product: 'app', service: 'events' },
      detection: { selection: { 'query|contains': 'drop table' }, condition: 'selection' },
      level: 'high',
    }),
    compilePlainRule('query.yml', {
      title: 'a query',
      name: 'query',
      logsource: { product: 'app', service: 'events' },
      detection: { selection: { kind: 'query' }, condition: 'selection' },
    }),
    compilePlainRule('burst.yml', {
      title: 'query burst',
      name: 'query_burst',
      level: 'medium',
      correlation: {
        type: 'event_count',
        rules: ['query'],
        'group-by': ['actor'],
        timespan: '1m',
        condition: { gte: 3 },
      },
    }),
  ]);
}

export const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);

/**
 * `count` records, 5 s apart from 13:00:00: queries by three actors in turn, every seventh drops a
 * table, every fifth is a login (matches nothing).
 */
export function events(count: number, startIndex = 0): object[] {
  return Array.from({ length: count }, (_, i) => {
    const n = startIndex + i;
    const timestamp = new Date(T0 + n * 5_000).toISOString();
    if (n % 5 === 4) return { id: `ev-${n}`, timestamp, kind: 'login', actor: `a${n % 3}` };
    return {
      id: `ev-${n}`,
      timestamp,
      kind: 'query',
      actor: `a${n % 3}`,
      query: n % 7 === 0 ? 'DROP TABLE users' : 'select 1',
    };
  });
}

/** Alert objects in memory, created once like S3's `If-None-Match: *`. */
export class MemoryAlertWriter implements AlertObjectWriter {
  readonly objects = new Map<string, string>();
  /** Every create, in order, with whether it wrote. */
  readonly creates: { key: string; written: boolean }[] = [];
  /** Throws instead of writing while set. */
  failure: Error | undefined;

  async create(key: string, body: string): Promise<boolean> {
    if (this.failure) throw this.failure;
    const written = !this.objects.has(key);
    if (written) this.objects.set(key, body);
    this.creates.push({ key, written });
    return written;
  }

  async read(key: string): Promise<string | undefined> {
    if (this.failure) throw this.failure;
    return this.objects.get(key);
  }

  records(): AlertRecord[] {
    return [...this.objects.values()].map((body) => JSON.parse(body) as AlertRecord);
  }
}

export function objectRef(key = KEY): ObjectRef {
  return { bucket: BUCKET, key, versionId: 'v1', eventTime: new Date(T0 + 3_600_000) };
}

export interface StageWorld {
  readonly objects: MemoryObjects;
  readonly writer: MemoryAlertWriter;
  readonly windows: WindowStore;
  readonly alerts: AlertStore;
  readonly stage: DetectionSink;
  readonly siem: RecordingSink;
  /** The stage's batches in flight in forwardDeps. */
  readonly stageInFlight: number;
}

export function world(
  files: Record<string, Buffer>,
  options: {
    windows?: WindowStore;
    alerts?: AlertStore;
    maxBatchRecords?: number;
    ruleSet?: RuleSet;
    /**
     * Default 3, more than the forwarder runs: batches of one group are counted at once, and each
     * alert must still end with every record (see evaluateWindows). 1 for a test that follows the
     * running count batch by batch.
     */
    stageInFlight?: number;
    /** Default: the stage's (see waves.ts). */
    waves?: WaveOptions;
  } = {},
): StageWorld {
  const objects = new MemoryObjects(files);
  objects.chunkSize = 1 << 20;
  const writer = new MemoryAlertWriter();
  const windows = options.windows ?? new MemoryWindowStore();
  const alerts = options.alerts ?? new MemoryAlertStore();
  const stage = new DetectionSink({
    index: new RuleIndex(options.ruleSet ?? rules(), [{ name: 'app' }, { name: 'sluice' }]),
    windows,
    alerts,
    writer,
    maxBatchRecords: options.maxBatchRecords ?? 4,
    now: () => T0 + 7_200_000,
    waves: options.waves,
  });
  return {
    objects,
    writer,
    windows,
    alerts,
    stage,
    siem: new RecordingSink('siem', 5),
    stageInFlight: options.stageInFlight ?? 3,
  };
}

/** Forwarding deps with the stage wired as the contract says: the hook and a destination. */
export function forwardDeps(
  w: StageWorld,
  overrides: Partial<ForwardDependencies> = {},
): ForwardDependencies {
  return {
    source,
    logTypeFromKey: 'events',
    destinations: [
      { sink: w.siem, maxInFlight: 2 },
      { sink: w.stage, maxInFlight: w.stageInFlight },
    ],
    detections: w.stage,
    objects: w.objects,
    quarantine: new MemoryQuarantine(),
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 1024 * 1024 * 1024,
    now: () => 0,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}

export { ndjson };
