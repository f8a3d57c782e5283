import { SDK_CLIENT_DEFAULTS } from '../adapters/aws-client-config';
import { boundedRequestHandler } from '../adapters/request-bounds';
import { endpointRequestTimeoutMs } from '../core/ingest/time-budget';

/**
 * SDK settings for the endpoint's SQS and Secrets Manager clients. Without a request timeout a hung
 * request holds the invocation until Lambda ends it; `throwOnRequestTimeout` because without it the
 * SDK's node handler only logs a warning when `requestTimeout` passes and keeps waiting.
 */
export function endpointClientConfig(functionTimeoutSeconds: number | undefined) {
  return {
    ...SDK_CLIENT_DEFAULTS,
    requestHandler: boundedRequestHandler(endpointRequestTimeoutMs(functionTimeoutSeconds)),
  };
}
