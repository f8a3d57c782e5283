import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { alertsObjectPrefix } from '../../lambda/core/config/alerts-source';
import type { AlertRecord } from '../../lambda/core/detections/routing/alert-record';
import { LEVEL_RANK } from '../../lambda/core/detections/routing/levels';

/** One alert the local pipeline raised, as its latest alert object says. */
export interface DevAlert {
  /** The rule's name, else its key (its id). */
  readonly rule: string;
  readonly title: string;
  readonly level: AlertRecord['level'];
  /** group-by field → value (empty for single-record rules). */
  readonly group: AlertRecord['group'];
  /** The alert's running count: records it covers in its period so far. */
  readonly count: number;
  /**
   * The period it covers (ISO 8601): one alert per rule, group and period, so records of one rule an
   * hour boundary apart raise two alerts.
   */
  readonly period: AlertRecord['period'];
  /** Alert objects written for it (its opening and each update). */
  readonly events: number;
  /** `s3://bucket/key` of its latest alert object. */
  readonly object: string;
}

/** At most this many alert objects are read: the summary is for a demo, not an audit. */
const MAX_ALERT_OBJECTS = 1_000;

/**
 * The alerts the detections stage wrote under `<alertsPrefix>/sluice-alerts/`, one per alert (its
 * latest event: the highest running count), most urgent first. Read from the bucket rather than
 * counted in the stage, so the summary shows what a SIEM and the routes received.
 */
export async function listDevAlerts(s3: S3Client, bucket: string, alertsPrefix: string): Promise<DevAlert[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: alertsObjectPrefix(alertsPrefix),
        ContinuationToken: token,
      }),
    );
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token && keys.length < MAX_ALERT_OBJECTS);

  const latest = new Map<string, { record: AlertRecord; key: string; events: number }>();
  for (const key of keys.slice(0, MAX_ALERT_OBJECTS)) {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const record = parseAlert(await Body!.transformToString());
    if (!record) continue;
    const seen = latest.get(record.alertId);
    const events = (seen?.events ?? 0) + 1;
    if (!seen || record.occurrences > seen.record.occurrences)
      latest.set(record.alertId, { record, key, events });
    else seen.events = events;
  }
  return [...latest.values()]
    .map(({ record, key, events }) => ({
      rule: record.rule.name ?? record.rule.key,
      title: record.rule.title,
      level: record.level,
      group: record.group,
      count: record.occurrences,
      period: { start: record.period.start, end: record.period.end },
      events,
      object: `s3://${bucket}/${key}`,
    }))
    .sort(
      (a, b) =>
        LEVEL_RANK[b.level] - LEVEL_RANK[a.level] ||
        a.rule.localeCompare(b.rule) ||
        a.object.localeCompare(b.object),
    );
}

function parseAlert(text: string): AlertRecord | undefined {
  try {
    const value = JSON.parse(text.trim()) as Partial<AlertRecord>;
    return value && typeof value.alertId === 'string' && value.rule && value.level
      ? (value as AlertRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
