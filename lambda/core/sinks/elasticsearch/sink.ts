import type { ElasticsearchDestinationConfig } from '../../config/destinations';
import { SluiceError } from '../../errors';
import { basicFromJson, elasticApiKey, secretAuthorization, signedRequests, type Authorizer } from '../auth';
import { SinkCodes } from '../codes';
import { createDeliveryLoop } from '../delivery-loop';
import type { SinkRuntime } from '../runtime';
import type { RequestSigner, SecretSource, Sink } from '../types';
import { classifyBulkAnswer } from './classifier';
import { createBulkEncoder } from './encoder';
import { bulkUrl } from './url';

export interface ElasticsearchCredentials {
  readonly secret: (arn: string) => SecretSource;
  readonly signer?: (region: string, service: 'es' | 'aoss') => RequestSigner;
}

function authorizerFor(
  config: ElasticsearchDestinationConfig,
  credentials: ElasticsearchCredentials,
): Authorizer {
  const { auth } = config;
  switch (auth.type) {
    case 'api-key':
      return secretAuthorization(credentials.secret(auth.secretArn), elasticApiKey);
    case 'basic':
      return secretAuthorization(credentials.secret(auth.secretArn), basicFromJson);
    case 'sigv4':
      if (!credentials.signer) {
        throw new SluiceError(
          SinkCodes.AUTH_UNAVAILABLE,
          `destination '${config.name}' uses SigV4 but no request signer was provided`,
        );
      }
      return signedRequests(credentials.signer(auth.region, auth.service));
  }
}

/** Elasticsearch / OpenSearch `_bulk` with `create` actions. */
export function createElasticsearchSink(
  config: ElasticsearchDestinationConfig,
  credentials: ElasticsearchCredentials,
  runtime: SinkRuntime,
): Sink {
  const encoder = createBulkEncoder(config);
  const authorizer = authorizerFor(config, credentials);
  const transport = runtime.transport(config);
  const deliver = createDeliveryLoop({
    ...runtime.loopOptions(config),
    name: config.name,
    transport,
    authorizer,
    protocol: {
      url: bulkUrl(config.url, {
        filterPath: !(config.auth.type === 'sigv4' && config.auth.service === 'aoss'),
      }),
      contentType: 'application/x-ndjson',
      encode: encoder.encode,
      classify: classifyBulkAnswer,
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
