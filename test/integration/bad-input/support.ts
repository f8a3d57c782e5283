import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
import { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
import { parseConfig } from '../../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../../lambda/core/config/schema';
import { processMessage, type MessageDependencies } from '../../../lambda/core/forward/process-message';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import { encodeS3Key } from '../../../lambda/core/notifications/s3-key';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import {
  BUCKET,
  ES_API_KEY,
  HEC_TOKEN,
  splunkAndElastic,
  startPipeline,
  type Pipeline,
} from '../../support/pipeline';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';
import { takeQuarantine, type QuarantineLine } from '../faults/support/ledger';
import { drainWithWorkers, messageCount, type WorkerStats } from '../faults/support/workers';
import { receiveAll } from '../ingest/aws';

export { BUCKET };

/** A structured log line as the forwarder writes it (through its `ForwarderLog` port). */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export interface Rig {
  readonly pipeline: Pipeline;
  readonly hec: HecReceiver;
  readonly bulk: BulkReceiver;
  readonly config: SluiceConfigInput;
  /** Runs the forwarder handler over the object queue until it is empty (failed messages end in the DLQ). */
  drain(): Promise<WorkerStats>;
  /** Handles one message body with the handler's dependencies, recording the log lines. */
  process(body: string): Promise<LogLine[]>;
  send(body: string): Promise<void>;
  quarantine(): Promise<QuarantineLine[]>;
  dlqDepth(): Promise<number>;
  /** The bodies (parsed) of the messages now in the DLQ, which is emptied. */
  takeDeadLetters(): Promise<Record<string, unknown>[]>;
  /** Ids (the `id` field) of what each destination holds, in order of arrival. */
  splunkIds(): string[];
  elasticIds(): string[];
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MAX_RECEIVE_COUNT = 3;
/** The gzip-bomb guard, at its smallest allowed value so a bomb stays quick to make. */
export const MAX_OBJECT_BYTES = 1024 * 1024;

export function key(logType: string, name: string): string {
  return `sdm/logs/${logType}/2024/02/01/18/50/${name}`;
}

/**
 * The forwarder on moto with local HEC and `_bulk` receivers, configured as an operator would (the
 * strongdm preset, both destinations), with a maxReceiveCount of 3 to keep retried cases short.
 */
export async function startRig(): Promise<Rig> {
  const pipeline = await startPipeline({ maxReceiveCount: MAX_RECEIVE_COUNT });
  const hec = await startHecReceiver({ token: HEC_TOKEN });
  const bulk = await startBulkReceiver({ auth: { apiKey: ES_API_KEY }, dataStreams: true });
  const config: SluiceConfigInput = {
    ...splunkAndElastic(pipeline, { hec: hec.url, bulk: bulk.url }),
    forwarder: { maxObjectBytes: MAX_OBJECT_BYTES },
  };

  const handler = pipeline.handlerFor(config);

  // The same wiring as the handler's runtime, with a log port that records instead of printing.
  const runtime = runtimeConfigOf(parseConfig(config));
  const secrets: Record<string, string> = {
    [pipeline.secretArns.hec]: HEC_TOKEN,
    [pipeline.secretArns.es]: ES_API_KEY,
  };
  const sinks = runtime.destinations.map((destination) => ({
    sink: createSink(destination, {
      secret: (arn) => ({ get: async () => secrets[arn], refresh: async () => secrets[arn] }),
    }),
    logTypes: destination.logTypes,
    maxInFlight: destination.maxConcurrency,
  }));
  const process = async (body: string): Promise<LogLine[]> => {
    const lines: LogLine[] = [];
    const record =
      (level: LogLine['level']) =>
      (message: string, fields: Record<string, unknown> = {}) =>
        lines.push({ level, message, fields });
    const deps: MessageDependencies = {
      sources: runtime.sources,
      destinations: sinks,
      objects: new S3ObjectSource(pipeline.s3),
      quarantine: new S3QuarantineWriter(pipeline.s3, BUCKET, runtime.quarantinePrefix),
      continuations: {
        send: async (bodies) => {
          for (const body of bodies) await rig.send(body);
        },
      },
      maxRecordBytes: runtime.maxRecordBytes,
      maxObjectBytes: runtime.maxObjectBytes,
      now: Date.now,
      // Budgets far beyond what these objects need: bad input, not time, decides every outcome here.
      stopReadingAt: Date.now() + 240_000,
      deliveryDeadline: Date.now() + 270_000,
      log: { info: record('info'), warn: record('warn'), error: record('error') },
    };
    await processMessage(body, deps);
    return lines;
  };

  const ids = (values: readonly unknown[]) => values.map((value) => String((value as { id?: unknown }).id));
  const rig: Rig = {
    pipeline,
    hec,
    bulk,
    config,
    drain: () =>
      drainWithWorkers(pipeline.sqs, pipeline.queueUrl, {
        handlers: [handler],
        remainingMs: 120_000,
        timeoutMs: 300_000,
      }),
    process,
    send: async (body) => {
      await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queueUrl, MessageBody: body }));
    },
    quarantine: () => takeQuarantine(pipeline.s3, BUCKET),
    dlqDepth: () => messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl),
    takeDeadLetters: async () => {
      const messages = await receiveAll(pipeline.sqs, pipeline.deadLetterQueueUrl);
      for (const message of messages) {
        await pipeline.sqs.send(
          new DeleteMessageCommand({
            QueueUrl: pipeline.deadLetterQueueUrl,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
      }
      return messages.map((message) => JSON.parse(message.Body ?? 'null') as Record<string, unknown>);
    },
    splunkIds: () => ids(hec.events.map((event) => event.event)),
    elasticIds: () => ids(bulk.documents()),
    reset: async () => {
      hec.clear();
      bulk.clear();
      await pipeline.purge();
      await takeQuarantine(pipeline.s3, BUCKET);
    },
    stop: async () => {
      for (const { sink } of sinks) sink.close?.();
      await Promise.all([hec.close(), bulk.close()]);
      await pipeline.stop();
    },
  };
  return rig;
}

/** An S3 ObjectCreated notification for `key` (URL-encoded the way S3 writes keys in events). */
export function notification(
  key: string,
  options: { versionId?: string; eventName?: string; eTag?: string } = {},
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2024-02-01T18:50:05.000Z',
        eventName: options.eventName ?? 'ObjectCreated:Put',
        s3: {
          bucket: { name: BUCKET },
          object: {
            key: encodeS3Key(key),
            size: 1,
            eTag: options.eTag,
            versionId: options.versionId,
          },
        },
      },
    ],
  });
}
