import type { HttpsDestinationConfig } from '../../config/destinations';
import { bearerToken, noAuth, secretAuthorization } from '../auth';
import { createDeliveryLoop } from '../delivery-loop';
import type { SinkRuntime } from '../runtime';
import type { SecretSource, Sink } from '../types';
import { classifyCollectorAnswer } from './classifier';
import { encodeJsonArray, jsonArrayEncodedSize } from './encoder';

/** A generic HTTPS collector: POST a JSON array of records, optional bearer token. */
export function createHttpsSink(
  config: HttpsDestinationConfig,
  token: SecretSource | undefined,
  runtime: SinkRuntime,
): Sink {
  const transport = runtime.transport(config);
  const deliver = createDeliveryLoop({
    ...runtime.loopOptions(config),
    name: config.name,
    transport,
    authorizer: token ? secretAuthorization(token, bearerToken) : noAuth,
    protocol: {
      url: new URL(config.url),
      contentType: 'application/json',
      encode: encodeJsonArray,
      classify: classifyCollectorAnswer,
    },
  });
  return {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: jsonArrayEncodedSize,
    deliver,
    close: () => transport.close?.(),
  };
}
