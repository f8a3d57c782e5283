import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { recordMarker } from '../../../../bench/data/strongdm';
import type { BulkReceiver, HecReceiver } from '../../../support/receivers';
import type { FaultProxy } from './fault-proxy';

/** One quarantine line as the forwarder writes it (see quarantine-format.ts). */
export interface QuarantineLine {
  readonly code: string;
  readonly reason: string;
  readonly key: string;
  readonly offset: number;
  readonly destination?: string;
  readonly recordId?: string;
  readonly record?: string;
  readonly raw?: string;
  readonly rawEncoding?: 'utf8' | 'base64';
}

/** Every quarantine line under `prefix`; the objects are deleted so the next read starts afresh. */
export async function takeQuarantine(
  s3: S3Client,
  bucket: string,
  prefix = 'sluice/quarantine/',
): Promise<QuarantineLine[]> {
  const lines: QuarantineLine[] = [];
  for (let page = 0; page < 100; page += 1) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    if (!listed.Contents || listed.Contents.length === 0) break;
    for (const object of listed.Contents) {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      const text = await response.Body!.transformToString();
      for (const line of text.split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as QuarantineLine);
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    }
  }
  return lines;
}

export interface DestinationFigures {
  /** Distinct records the destination holds. */
  readonly delivered: number;
  /** Extra copies: for Splunk, events indexed more than once; for Elasticsearch, documents beyond one per record. */
  readonly duplicates: number;
  readonly quarantined: number;
  /** Sent records neither delivered nor quarantined for this destination. */
  readonly lost: number;
  readonly lostMarkers: readonly string[];
  readonly duplicateMarkers: ReadonlyMap<string, number>;
  readonly quarantinedMarkers: ReadonlySet<string>;
}

function count(markers: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const marker of markers) counts.set(marker, (counts.get(marker) ?? 0) + 1);
  return counts;
}

function figures(
  sent: ReadonlySet<string>,
  held: Map<string, number>,
  quarantined: ReadonlySet<string>,
): DestinationFigures {
  const lostMarkers = [...sent].filter((marker) => !held.has(marker) && !quarantined.has(marker));
  const duplicateMarkers = new Map([...held].filter(([, copies]) => copies > 1));
  return {
    delivered: [...held.keys()].filter((marker) => sent.has(marker)).length,
    duplicates: [...duplicateMarkers.values()].reduce((sum, copies) => sum + copies - 1, 0),
    quarantined: [...quarantined].filter((marker) => sent.has(marker)).length,
    lost: lostMarkers.length,
    lostMarkers,
    duplicateMarkers,
    quarantinedMarkers: quarantined,
  };
}

export interface Ledger {
  readonly sent: number;
  readonly splunk: DestinationFigures;
  readonly elastic: DestinationFigures;
  /** Records Splunk indexed whose answer never reached the forwarder (counted by the proxies). */
  readonly lostAnswers: number;
  /** Records Elasticsearch answered 409 to: resent after a lost answer or a retried batch, deduplicated by `_id`. */
  readonly elasticConflicts: number;
  /** HEC events whose `source`/`sourcetype` do not name the object and log type the record came from. */
  readonly misattributed: number;
}

/**
 * Reconciles what was sent (record markers by object key) with what the receivers hold and what was
 * quarantined, per destination.
 */
export function reconcile(input: {
  readonly bucket: string;
  readonly sent: ReadonlyMap<string, { key: string; logType: string }>;
  readonly hec: HecReceiver;
  readonly bulk: BulkReceiver;
  readonly quarantine: readonly QuarantineLine[];
  readonly hecProxies: readonly FaultProxy[];
}): Ledger {
  const sent = new Set(input.sent.keys());
  let misattributed = 0;
  const hecMarkers = input.hec.events.map((event) => {
    const marker = recordMarker(event.event as Record<string, unknown>);
    const origin = input.sent.get(marker);
    if (
      origin &&
      (event.source !== `s3://${input.bucket}/${origin.key}` ||
        event.sourcetype !== `strongdm:${origin.logType}`)
    ) {
      misattributed += 1;
    }
    return marker;
  });
  const esMarkers = input.bulk
    .documents()
    .map((document) => recordMarker(document as Record<string, unknown>));
  const quarantinedFor = (destination: string) =>
    new Set(
      input.quarantine
        .filter((line) => line.destination === destination && line.record !== undefined)
        .map((line) => recordMarker(JSON.parse(line.record!) as Record<string, unknown>)),
    );
  return {
    sent: sent.size,
    splunk: figures(sent, count(hecMarkers), quarantinedFor('splunk')),
    elastic: figures(sent, count(esMarkers), quarantinedFor('elastic')),
    lostAnswers: input.hecProxies.reduce((sum, proxy) => sum + proxy.counters.lostRecords, 0),
    elasticConflicts: input.bulk.counters.duplicates,
    misattributed,
  };
}

/** The figures line each scenario prints. */
export function describeLedger(ledger: Ledger): string {
  const { splunk, elastic } = ledger;
  return [
    `records sent ${ledger.sent}`,
    `Splunk: delivered ${splunk.delivered}, duplicates ${splunk.duplicates} (answers lost ${ledger.lostAnswers}), quarantined ${splunk.quarantined}, lost ${splunk.lost}`,
    `Elasticsearch: delivered ${elastic.delivered}, duplicates ${elastic.duplicates} (resends answered 409: ${ledger.elasticConflicts}), quarantined ${elastic.quarantined}, lost ${elastic.lost}`,
  ].join('; ');
}
