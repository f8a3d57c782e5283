import type { SentinelDestinationConfig } from '../../config/destinations';
import type { OutboundRecord } from '../../records/types';
import { SinkCodes } from '../codes';
import { createDeliveryLoop, type Deliver } from '../delivery-loop';
import type { SinkRuntime } from '../runtime';
import type { BatchOutcome, RejectedRecord, SecretSource, Sink } from '../types';
import { entraBearer } from './authorization';
import { classifyIngestionAnswer } from './classifier';
import { encodeIngestionBody, ingestionEncodedSize } from './encoder';
import { INGESTION_MAX_CALL_BYTES } from './limits';
import { createStreamResolver } from './streams';
import { createEntraTokenSource } from './token-source';
import { ingestionUrl, tokenUrl } from './url';

/**
 * Microsoft Sentinel through the Azure Monitor Logs Ingestion API: JSON arrays to the DCR stream of each
 * record's log type, with an Entra ID token (client credentials) cached across batches.
 */
export function createSentinelSink(
  config: SentinelDestinationConfig,
  clientSecret: SecretSource,
  runtime: SinkRuntime,
): Sink {
  const transport = runtime.transport(config);
  // One set of loop options, so one limiter bounds the requests of every stream together.
  const loopOptions = runtime.loopOptions(config);
  const tokens = createEntraTokenSource({
    transport,
    request: {
      url: tokenUrl(config.authorityHost, config.tenantId),
      clientId: config.clientId,
      scope: config.scope,
    },
    tenantId: config.tenantId,
    secret: clientSecret,
    secretArn: config.clientSecretArn,
    requestTimeoutMs: config.requestTimeoutSeconds * 1000,
    now: loopOptions.now,
  });
  const authorizer = entraBearer(tokens);
  const streamOf = createStreamResolver(config);

  // A stream is a URL: one delivery loop per stream, made when a record first needs it.
  const loops = new Map<string, Deliver>();
  const loopFor = (stream: string): Deliver => {
    let deliver = loops.get(stream);
    if (!deliver) {
      deliver = createDeliveryLoop({
        ...loopOptions,
        name: config.name,
        transport,
        authorizer,
        protocol: {
          url: ingestionUrl(config.endpoint, config.dcrImmutableId, stream),
          contentType: 'application/json',
          encode: encodeIngestionBody,
          classify: classifyIngestionAnswer,
        },
      });
      loops.set(stream, deliver);
    }
    return deliver;
  };

  return {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: ingestionEncodedSize,
    async deliver(batch, context) {
      // The forwarder's batches come from one object, so nearly always from one stream.
      const groups = new Map<string, OutboundRecord[]>();
      const tooLarge: RejectedRecord[] = [];
      for (const record of batch) {
        // A body holding only this record is its encoded size plus one byte (the brackets); the
        // TimeGenerated field adds under 64 bytes, so only records near the limit are measured.
        const callBytes =
          record.bytes.length + 64 > INGESTION_MAX_CALL_BYTES ? ingestionEncodedSize(record) + 1 : 0;
        if (callBytes > INGESTION_MAX_CALL_BYTES) {
          // Uploading it (up to forwarder.maxRecordBytes) would only earn a 413: quarantined unsent.
          tooLarge.push({
            record,
            code: SinkCodes.SENTINEL_RECORD_TOO_LARGE,
            reason: `the record is ${callBytes} bytes as sent (with TimeGenerated); the Logs Ingestion API takes at most ${INGESTION_MAX_CALL_BYTES} bytes per call`,
          });
          continue;
        }
        const stream = streamOf(record);
        const group = groups.get(stream);
        if (group) group.push(record);
        else groups.set(stream, [record]);
      }
      const refused: BatchOutcome = { delivered: [], rejected: tooLarge, failed: [] };
      if (groups.size === 0) return refused;
      if (groups.size === 1 && tooLarge.length === 0) {
        const [stream] = groups.keys();
        return loopFor(stream)(batch, context);
      }
      const outcomes = await Promise.all(
        [...groups].map(([stream, records]) => loopFor(stream)(records, context)),
      );
      return mergeOutcomes([refused, ...outcomes]);
    },
    close: () => transport.close?.(),
  };
}

/** One outcome for the streams of a batch; a destination's own failure says more than the deadline. */
function mergeOutcomes(outcomes: readonly BatchOutcome[]): BatchOutcome {
  const failures = outcomes.flatMap((outcome) => (outcome.failure ? [outcome.failure] : []));
  const failure = failures.find((candidate) => candidate.code !== SinkCodes.DEADLINE) ?? failures[0];
  const merged = {
    delivered: outcomes.flatMap((outcome) => outcome.delivered),
    rejected: outcomes.flatMap((outcome) => outcome.rejected),
    failed: outcomes.flatMap((outcome) => outcome.failed),
  };
  return failure ? { ...merged, failure } : merged;
}
