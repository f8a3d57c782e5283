import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { buildObjectKey, normalizePrefix } from '../../lambda/core/layout/key-layout';
import { FORWARDER_METRICS_SERVICE, METRICS_NAMESPACE } from '../../lambda/forwarder/metrics';
import type { Deployment } from '../aws/deployment';
import { metricStatistic } from '../aws/metrics';
import { queueDepth, type QueueDepth } from '../aws/queues';
import { newCanaryId } from './canary';

export type CheckState = 'pass' | 'fail' | 'pending' | 'skipped';

export interface VerifyRequest {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly cloudWatch: CloudWatchClient;
  readonly deployment: Deployment;
  readonly source: { readonly name: string; readonly prefix: string };
  /** Log type of the canary object. */
  readonly logType: string;
  readonly timeoutMs: number;
  /** The queue counts as drained only from this long after the writes (S3 notifications take a moment). */
  readonly settleMs: number;
  readonly pollMs: number;
  /** Wait for the forwarder's ObjectsForwarded metric in CloudWatch. */
  readonly metrics: boolean;
  readonly dryRun?: boolean;
  readonly onPoll?: (checks: VerifyChecks, elapsedMs: number) => void;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface VerifyChecks {
  /** The object queue was seen empty (nothing waiting or in flight) after the writes. */
  readonly queueDrained: CheckState;
  /** The object DLQ did not grow. */
  readonly deadLetterQueueFlat: CheckState;
  /** CloudWatch shows the forwarder forwarding objects since the writes. */
  readonly metricsMoved: CheckState;
}

export interface VerifyReport {
  readonly dryRun: boolean;
  readonly passed: boolean;
  readonly testObject: string;
  readonly canary: { readonly key: string; readonly recordId: string };
  readonly checks: VerifyChecks;
  readonly waitedSeconds: number;
  readonly deadLetters: { readonly before: number; readonly after: number };
  readonly objectsForwarded?: number;
}

/** The record StrongDM's Test button writes to `<prefix>/test` (seed 003). */
export function vendorTestRecord(): string {
  return `${JSON.stringify(
    {
      formatVersion: 'v1.0.0',
      logType: 'activities',
      actorAccountID: 'a-0000000000000000',
      timestamp: '0001-01-01T00:00:00Z',
    },
    null,
    4,
  )}\n`;
}

export function canaryRecord(logType: string, id: string, at: Date): string {
  return `${JSON.stringify({
    logType,
    id,
    message: 'sluice verify canary: a test record, safe to ignore',
    sluiceCanary: true,
    timestamp: at.toISOString(),
  })}\n`;
}

const total = (depth: QueueDepth) => depth.visible + depth.inFlight + depth.delayed;

/**
 * Writes what the vendor's Test button writes and a canary object, then watches the deployment until
 * the canary is forwarded: the object queue drains, the DLQ does not grow and (unless skipped) the
 * forwarder's metrics move. Fails on the first DLQ growth or when `timeoutMs` runs out.
 */
export async function verify(request: VerifyRequest): Promise<VerifyReport> {
  const now = request.now ?? (() => new Date());
  const sleep = request.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { deployment } = request;
  const startedAt = now();
  const id = newCanaryId();
  const testObject = `${normalizePrefix(request.source.prefix)}/test`;
  const canaryKey = buildObjectKey({
    prefix: request.source.prefix,
    logType: request.logType,
    at: startedAt,
    id,
    gzip: false,
  });
  const dlqUrl = deployment.objects.deadLetterQueueUrl;
  const dlqDepth = async () => (dlqUrl ? total(await queueDepth(request.sqs, dlqUrl)) : 0);
  const before = await dlqDepth();
  const base = { testObject, canary: { key: canaryKey, recordId: id } };
  if (request.dryRun) {
    return {
      ...base,
      dryRun: true,
      passed: true,
      checks: {
        queueDrained: 'pending',
        deadLetterQueueFlat: 'pending',
        metricsMoved: request.metrics ? 'pending' : 'skipped',
      },
      waitedSeconds: 0,
      deadLetters: { before, after: before },
    };
  }

  await request.s3.send(
    new PutObjectCommand({
      Bucket: deployment.bucket,
      Key: testObject,
      Body: vendorTestRecord(),
      ContentType: 'application/json',
    }),
  );
  await request.s3.send(
    new PutObjectCommand({
      Bucket: deployment.bucket,
      Key: canaryKey,
      Body: canaryRecord(request.logType, id, startedAt),
      ContentType: 'application/x-ndjson',
    }),
  );
  const writtenAt = now().getTime();

  let queueDrained: CheckState = 'pending';
  let deadLetterQueueFlat: CheckState;
  let metricsMoved: CheckState = request.metrics ? 'pending' : 'skipped';
  let after: number;
  let objectsForwarded: number | undefined;
  for (;;) {
    const elapsed = now().getTime() - writtenAt;
    after = await dlqDepth();
    deadLetterQueueFlat = after > before ? 'fail' : 'pass';
    if (queueDrained !== 'pass' && elapsed >= request.settleMs) {
      if (total(await queueDepth(request.sqs, deployment.objects.queueUrl)) === 0) queueDrained = 'pass';
    }
    if (metricsMoved === 'pending') {
      objectsForwarded = await metricStatistic(request.cloudWatch, {
        namespace: METRICS_NAMESPACE,
        metricName: 'ObjectsForwarded',
        dimensions: [{ Name: 'service', Value: FORWARDER_METRICS_SERVICE }],
        since: startedAt,
        until: new Date(now().getTime() + 60_000),
        statistic: 'Sum',
      });
      if ((objectsForwarded ?? 0) > 0) metricsMoved = 'pass';
    }
    const checks = { queueDrained, deadLetterQueueFlat, metricsMoved };
    request.onPoll?.(checks, elapsed);
    const done = queueDrained === 'pass' && metricsMoved !== 'pending';
    if (deadLetterQueueFlat === 'fail' || done || elapsed >= request.timeoutMs) break;
    await sleep(request.pollMs);
  }
  const fail = (state: CheckState): CheckState => (state === 'pending' ? 'fail' : state);
  const checks: VerifyChecks = {
    queueDrained: fail(queueDrained),
    deadLetterQueueFlat,
    metricsMoved: fail(metricsMoved),
  };
  return {
    ...base,
    dryRun: false,
    passed: Object.values(checks).every((state) => state === 'pass' || state === 'skipped'),
    checks,
    waitedSeconds: Math.round((now().getTime() - writtenAt) / 1000),
    deadLetters: { before, after },
    objectsForwarded,
  };
}
