import type { SplunkHecDestinationConfig } from '../../config/destinations';
import { secretAuthorization, splunkToken } from '../auth';
import { createDeliveryLoop } from '../delivery-loop';
import type { Sink, SecretSource } from '../types';
import type { SinkRuntime } from '../runtime';
import { createAcknowledgedDelivery } from './acknowledged-delivery';
import { classifyHecAnswer } from './classifier';
import { createHecEncoder } from './encoder';
import { hecAckUrl, hecEventUrl } from './url';

/**
 * Splunk HTTP Event Collector: stacked JSON events, `Authorization: Splunk <token>`; with
 * `acknowledgements`, records count as delivered only once HEC acknowledges them as indexed.
 */
export function createSplunkHecSink(
  config: SplunkHecDestinationConfig,
  token: SecretSource,
  runtime: SinkRuntime,
): Sink {
  const encoder = createHecEncoder({
    host: config.host,
    index: config.index,
    indexByLogType: config.indexByLogType,
    sourcetype: config.sourcetype,
  });
  const url = hecEventUrl(config.url);
  const transport = runtime.transport(config);
  const loop = { ...runtime.loopOptions(config), transport };
  const authorizer = secretAuthorization(token, splunkToken);
  const common = {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: encoder.encodedSize,
  };
  if (config.acknowledgements) {
    const acknowledged = createAcknowledgedDelivery({
      name: config.name,
      loop,
      authorizer,
      eventUrl: url,
      ackUrl: hecAckUrl(config.url),
      encode: encoder.encode,
      maxConcurrency: config.maxConcurrency,
      pollIntervalSeconds: config.ackPollIntervalSeconds,
      timeoutSeconds: config.ackTimeoutSeconds,
      log: runtime.log,
    });
    return {
      ...common,
      deliver: acknowledged.deliver,
      close: () => {
        acknowledged.close();
        transport.close?.();
      },
    };
  }
  const deliver = createDeliveryLoop({
    ...loop,
    name: config.name,
    authorizer,
    protocol: {
      url,
      contentType: 'application/json',
      encode: encoder.encode,
      classify: classifyHecAnswer,
    },
  });
  return { ...common, deliver, close: () => transport.close?.() };
}
