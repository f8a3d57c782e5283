import { rolloverLookupEnabled, type ElasticsearchDestinationConfig } from '../../config/destinations';
import { SluiceError } from '../../errors';
import { basicFromJson, elasticApiKey, secretAuthorization, signedRequests, type Authorizer } from '../auth';
import { SinkCodes } from '../codes';
import { createDeliveryLoop, type Deliver } from '../delivery-loop';
import type { SinkRuntime } from '../runtime';
import type { RequestSigner, SecretSource, Sink } from '../types';
import { classifyBulkAnswer } from './classifier';
import { createBulkEncoder } from './encoder';
import { createLookupRequests } from './rollover/lookup-requests';
import { createRolloverLookup, type RolloverLookup } from './rollover/rollover-lookup';
import { bulkUrl, clusterUrl } from './url';

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
  const loopOptions = runtime.loopOptions(config);
  const lookup = rolloverLookupEnabled(config)
    ? createRolloverLookup({
        name: config.name,
        cluster: clusterUrl(config.url),
        target: encoder.target,
        now: loopOptions.now ?? Date.now,
        log: runtime.log,
        request: createLookupRequests({
          ...loopOptions,
          name: config.name,
          transport,
          authorizer,
          sleep: loopOptions.sleep ?? defaultSleep,
          now: loopOptions.now ?? Date.now,
        }),
      })
    : undefined;
  const bulk = createDeliveryLoop({
    ...loopOptions,
    name: config.name,
    transport,
    authorizer,
    protocol: {
      url: bulkUrl(config.url, {
        filterPath: !(config.auth.type === 'sigv4' && config.auth.service === 'aoss'),
        itemIndex: lookup !== undefined,
      }),
      contentType: 'application/x-ndjson',
      encode: encoder.encode,
      classify: lookup
        ? (response, batch) => {
            if (response.status >= 200 && response.status < 300) lookup.noteBulkAnswer(response.body, batch);
            return classifyBulkAnswer(response, batch);
          }
        : classifyBulkAnswer,
    },
  });
  const deliver = lookup ? lookingUpFirst(bulk, lookup) : bulk;
  return {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: encoder.encodedSize,
    deliver,
    close: () => transport.close?.(),
  };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `_bulk` after the rollover lookup: records found in the target count as delivered (as a 409 would),
 * records whose lookup failed fail with the batch's failure (they are retried later, never sent
 * unchecked), the rest go to `_bulk`; then what `_bulk` wrote to an unseen new write index is checked.
 */
function lookingUpFirst(bulk: Deliver, lookup: RolloverLookup): Deliver {
  return async (batch, context) => {
    const checked = await lookup.lookup(batch, context);
    const sent = checked.toSend.length > 0 ? await bulk(checked.toSend, context) : undefined;
    if (sent && sent.delivered.length > 0) await lookup.afterBulk(sent.delivered, context);
    if (sent && checked.alreadyIndexed.length === 0 && checked.failed.length === 0) return sent;
    const delivered = [...checked.alreadyIndexed, ...(sent?.delivered ?? [])];
    const rejected = sent?.rejected ?? [];
    const failed = [...checked.failed, ...(sent?.failed ?? [])];
    const failure = checked.failure ?? sent?.failure;
    return failure ? { delivered, rejected, failed, failure } : { delivered, rejected, failed };
  };
}
