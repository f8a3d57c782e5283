import type { SplunkHecDestinationConfig } from '../../config/destinations';
import { secretAuthorization, splunkToken } from '../auth';
import { createDeliveryLoop } from '../delivery-loop';
import type { Sink, SecretSource } from '../types';
import type { SinkRuntime } from '../runtime';
import { classifyHecAnswer } from './classifier';
import { createHecEncoder } from './encoder';
import { hecEventUrl } from './url';

/** Splunk HTTP Event Collector: stacked JSON events, `Authorization: Splunk <token>`. */
export function createSplunkHecSink(
  config: SplunkHecDestinationConfig,
  token: SecretSource,
  runtime: SinkRuntime,
): Sink {
  const encoder = createHecEncoder({ host: config.host, index: config.index, sourcetype: config.sourcetype });
  const url = hecEventUrl(config.url);
  const transport = runtime.transport(config);
  const deliver = createDeliveryLoop({
    ...runtime.loopOptions(config),
    name: config.name,
    transport,
    authorizer: secretAuthorization(token, splunkToken),
    protocol: {
      url,
      contentType: 'application/json',
      encode: encoder.encode,
      classify: classifyHecAnswer,
    },
  });
  return {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: encoder.encodedSize,
    deliver,
    close: () => transport.close?.(),
  };
}
