import type { S3Client } from '@aws-sdk/client-s3';
import { MemoryAlertStore } from '../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../lambda/core/detections/engine';
import { readDetectionRecords } from '../../lambda/core/detections/read-records';
import type { DetectionRecord } from '../../lambda/core/detections/records';
import { RuleIndex } from '../../lambda/core/detections/rule-index';
import type { RuleSet } from '../../lambda/core/detections/sigma/rule-set';
import { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import type { ObjectSource } from '../../lambda/core/forward/ports';
import { normalizeETag } from '../../lambda/core/notifications/etag';
import { planListing } from '../replay/layout-listing';
import { listUnderPrefixes } from '../replay/list-objects';
import { unmatchedLogTypes, type UnmatchedLogTypes } from '../replay/unmatched-log-types';
import { formatBytes, table } from '../shared/format';
import { isCanaryKey } from '../verify/canary';
import { AlertLog, renderAlerts, type AlertSummary } from './alert-log';
import type { DetectionTiming } from './config-rules';
import type { DetectionSource } from './sources';
import { DETECTION_BATCH_RECORDS, ruleLabel } from './test-records';

export interface BacktestRequest {
  readonly s3: S3Client;
  readonly objects: ObjectSource;
  readonly bucket: string;
  readonly ruleSet: RuleSet;
  /** The configuration's dedupPeriod and lateness, as the forwarder counts with them. Default: the engine's. */
  readonly timing?: DetectionTiming;
  /** The sources to read (each with its key layout); rules bind to these. */
  readonly sources: readonly DetectionSource[];
  readonly from: Date;
  readonly to: Date;
  /** Default: every log type found under each source. */
  readonly logTypes?: readonly string[];
  readonly maxRecordBytes: number;
  readonly maxObjectBytes: number;
  readonly onProgress?: (objects: number, key: string) => void;
  /** Asked before each object: true stops the backtest, which reports what it read. */
  readonly shouldStop?: () => boolean;
}

export interface BacktestReport {
  readonly bucket: string;
  readonly from: string;
  readonly to: string;
  readonly sources: readonly {
    readonly name: string;
    readonly logTypes: readonly string[];
    readonly prefixes: number;
    readonly objects: number;
  }[];
  readonly objects: number;
  readonly bytes: number;
  readonly records: number;
  /** Records the forwarder would quarantine as unreadable. */
  readonly unreadable: number;
  /** Listed but not read: `sluice verify` canaries, objects outside the range or holding no logs. */
  readonly skipped: number;
  readonly matchesPerRule: Readonly<Record<string, number>>;
  /** What would have fired. Nothing was sent. */
  readonly alerts: readonly AlertSummary[];
  /** Log types asked for (`--log-type`) under which no object was read (a typo reads as "no alerts"). */
  readonly unmatchedLogTypes?: UnmatchedLogTypes;
  readonly stoppedBy?: 'signal';
}

/**
 * Runs the rules over a time range of the bucket as the forwarder would have run them: lists only
 * the key layout's prefixes of the range (as `sluice replay` does), reads each object as the
 * forwarder reads it, and counts with in-memory stores. It reports the alerts and sends none.
 */
export async function backtest(request: BacktestRequest): Promise<BacktestReport> {
  const { ruleSet, bucket } = request;
  const store = new MemoryAlertStore();
  const engine = new DetectionEngine(
    new RuleIndex(
      ruleSet,
      request.sources.map((source) => source.binding),
    ),
    { windows: new MemoryWindowStore(), alerts: store, ...request.timing },
  );
  const log = new AlertLog(store);
  const matchesPerRule: Record<string, number> = {};
  const sources: BacktestReport['sources'][number][] = [];
  let objects = 0;
  let bytes = 0;
  let records = 0;
  let unreadable = 0;
  let skipped = 0;
  let stoppedBy: BacktestReport['stoppedBy'];
  const logTypesRead = new Set<string>();
  let batch: DetectionRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    await log.take(await engine.process(taken, Date.now()));
  };

  for (const source of request.sources) {
    if (stoppedBy) break;
    const plan = await planListing(request.s3, bucket, source.reading, request, request.logTypes);
    let read = 0;
    for await (const object of listUnderPrefixes(request.s3, bucket, plan.prefixes)) {
      if (request.shouldStop?.()) {
        stoppedBy = 'signal';
        break;
      }
      if (isCanaryKey(object.key) || plan.skipReason(object)) {
        skipped += 1;
        continue;
      }
      logTypesRead.add(plan.logTypeOf(object.key));
      const opened = await request.objects.open(
        { bucket, key: object.key, eTag: object.eTag, size: object.size, eventTime: object.lastModified },
        0,
      );
      const chunks = readDetectionRecords(opened.body, {
        source: source.reading,
        bucket,
        key: object.key,
        eTag: normalizeETag(opened.eTag) ?? normalizeETag(object.eTag) ?? '',
        logTypeFromKey: plan.logTypeOf(object.key),
        eventTime: object.lastModified,
        maxRecordBytes: request.maxRecordBytes,
        maxDecompressedBytes: request.maxObjectBytes,
      });
      for await (const chunk of chunks) {
        unreadable += chunk.invalid;
        for (const record of chunk.records) {
          for (const rule of engine.match(record)) {
            const label = ruleLabel(rule);
            matchesPerRule[label] = (matchesPerRule[label] ?? 0) + 1;
          }
          batch.push(record);
        }
        records += chunk.records.length;
        if (batch.length >= DETECTION_BATCH_RECORDS) await flush();
      }
      objects += 1;
      read += 1;
      bytes += object.size;
      request.onProgress?.(objects, object.key);
    }
    sources.push({
      name: source.binding.name,
      logTypes: plan.logTypes,
      prefixes: plan.prefixes.length,
      objects: read,
    });
  }
  await flush();
  const unmatched = stoppedBy
    ? undefined
    : await unmatchedLogTypes(
        request.s3,
        bucket,
        request.sources.map((source) => source.reading),
        request,
        request.logTypes,
        logTypesRead,
      );
  return {
    bucket,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    sources,
    objects,
    bytes,
    records,
    unreadable,
    skipped,
    matchesPerRule,
    alerts: log.summaries(),
    ...(unmatched ? { unmatchedLogTypes: unmatched } : {}),
    stoppedBy,
  };
}

export function renderBacktest(report: BacktestReport): string {
  const lines = [
    `read ${report.objects} object(s), ${report.records} record(s) (${formatBytes(report.bytes)}) of s3://${report.bucket}, ${report.from} → ${report.to}${report.skipped > 0 ? `; ${report.skipped} skipped` : ''}${report.unreadable > 0 ? `; ${report.unreadable} unreadable record(s)` : ''}`,
    table([
      ['source', 'log types', 'prefixes', 'objects'],
      ...report.sources.map((source) => [
        source.name,
        source.logTypes.join(', ') || '(none found)',
        source.prefixes,
        source.objects,
      ]),
    ]),
  ];
  const perRule = Object.entries(report.matchesPerRule);
  if (perRule.length > 0)
    lines.push(`matches: ${perRule.map(([rule, count]) => `${rule} ${count}`).join(', ')}`);
  lines.push(renderAlerts(report.alerts), 'nothing was sent (a backtest only reports)');
  if (report.stoppedBy === 'signal') lines.push('interrupted: the report covers what was read');
  return lines.join('\n');
}
