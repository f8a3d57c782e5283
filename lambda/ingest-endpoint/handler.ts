import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { answer, type Dialect, type Outcome } from '../core/ingest/answers';
import { readAuthorization, tokenMatches } from '../core/ingest/auth';
import { prepareRequest } from '../core/ingest/prepare';
import { packMessages } from '../core/ingest/queue-messages';
import { matchRoute } from '../core/ingest/routes';
import { ENDPOINT_TIMEOUT_SECONDS, sendDeadline } from '../core/ingest/time-budget';
import { errorCode, errorMessage } from '../core/errors';
import { decodeBody } from './body-decoding';
import { readEndpointConfig, type EndpointConfig } from './config';
import { enqueueAll, sqsSender, type QueueSender } from './enqueue';
import { endpointClientConfig } from './request-timeouts';
import { secretTokenSource, type TokenSource } from './token-source';

export interface EndpointDependencies {
  readonly config: EndpointConfig;
  readonly sender: QueueSender;
  readonly token: TokenSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Pause between send retries. Default: a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

export type EndpointHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The HTTPS ingest endpoint behind API Gateway (HTTP API, payload format 2.0): authenticates the
 * token, validates the events, and answers 200 only once SQS has accepted every one of them.
 *
 * On the generic path a bad event refuses the whole request. On the HEC paths, like Splunk, the
 * events before the bad one are accepted and the answer names the bad one (`invalid-event-number`).
 */
export function createEndpointHandler(deps: EndpointDependencies): EndpointHandler {
  const { config, sender, token, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const fallbackRemainingMs = (config.functionTimeoutSeconds ?? ENDPOINT_TIMEOUT_SECONDS.default) * 1000;

  return async (event, context) => {
    if (context) logger.addContext(context);
    // Lambda's own account of the time left; a caller without a context gets the configured timeout.
    const deadline = sendDeadline(now(), context?.getRemainingTimeInMillis() ?? fallbackRemainingMs);
    const route = matchRoute(event.requestContext.http.method, event.rawPath);
    const request = { path: event.rawPath, sourceIp: event.requestContext.http.sourceIp };
    let dialect: Dialect = 'plain';
    const reply = (outcome: Outcome, details: Record<string, unknown> = {}) => {
      const result = answer(outcome, dialect);
      const level = result.statusCode >= 500 ? 'error' : result.statusCode >= 400 ? 'warn' : 'info';
      logger[level]('request answered', {
        ...request,
        status: result.statusCode,
        outcome: outcome.kind,
        ...details,
      });
      metrics.addMetric(
        result.statusCode < 300 ? 'IngestRequestsAccepted' : `IngestRequests${result.statusCode}`,
        MetricUnit.Count,
        1,
      );
      metrics.publishStoredMetrics();
      return result;
    };

    if (route.kind === 'not-found') return reply({ kind: 'not-found' });
    if (route.kind === 'health') {
      dialect = 'hec';
      return reply({ kind: 'healthy' });
    }
    dialect = route.dialect;
    if (route.kind === 'method-not-allowed') return reply({ kind: 'method-not-allowed', allow: route.allow });

    const credentials = readAuthorization(header(event, 'authorization'));
    if (credentials.kind === 'missing') return reply({ kind: 'token-required' });
    if (credentials.kind === 'malformed') return reply({ kind: 'invalid-authorization' });
    try {
      if (!tokenMatches(credentials.token, await token.current())) {
        // A token rotated since the cache was filled works at once; the source rate-limits re-reads.
        const reread = await token.reread();
        if (reread === undefined || !tokenMatches(credentials.token, reread)) {
          return reply({ kind: 'invalid-token' }, { tokenReread: reread !== undefined });
        }
      }
    } catch (error) {
      return reply(
        { kind: 'unavailable' },
        { reason: 'token unavailable', errorCode: errorCode(error), errorMessage: errorMessage(error) },
      );
    }

    const decoded = decodeBody(
      event.body,
      event.isBase64Encoded,
      header(event, 'content-encoding'),
      config.maxBodyBytes,
    );
    if (!decoded.ok) {
      // The content type decides how API Gateway passes the body: the log says which one it was.
      return reply(decoded.outcome, { contentType: header(event, 'content-type') });
    }

    const prepared = prepareRequest(decoded.text, route.format, {
      defaultLogType: config.defaultLogType,
      allowed: config.allowedLogTypes,
      maxMessageBytes: config.maxMessageBytes,
    });
    const { rejection } = prepared;
    // HEC keeps the events before a bad one; the generic path is all or nothing.
    const toSend = rejection && (dialect === 'plain' || rejection.code === 'NO_DATA') ? [] : prepared.events;
    if (toSend.length > 0) {
      const result = await enqueueAll(packMessages(toSend, config.maxMessageBytes), sender, {
        maxBatchBytes: config.maxMessageBytes,
        sleep: deps.sleep,
        deadline,
        now,
      });
      if (result.eventsUnsent > 0) {
        if (result.eventsBlocked > 0) {
          // SQS blamed the sender for something other than the events (a disabled KMS key, a denying
          // policy, throttling, a code it does not document): a 400 would have the producer drop events
          // that a fixed queue will take, so they stay with the producer and the operator is alarmed.
          metrics.addMetric('IngestEventsBlockedByQueue', MetricUnit.Count, result.eventsBlocked);
        }
        return reply(
          { kind: 'unavailable' },
          {
            reason: result.deadlineReached
              ? 'queue did not answer before the send deadline'
              : result.eventsBlocked > 0
                ? "queue refused events for a reason that is not their content: check the queue's KMS key, policy and quotas"
                : 'queue did not take every event',
            events: toSend.length,
            eventsUnsent: result.eventsUnsent,
            eventsRefused: result.refused.length,
            errors: result.errors,
            ...(result.eventsBlocked > 0 && {
              queueUrl: config.queueUrl,
              queueFaults: result.queueFaults,
              eventsBlocked: result.eventsBlocked,
            }),
          },
        );
      }
      const accepted = toSend.length - result.refused.length;
      metrics.addMetric('IngestEventsAccepted', MetricUnit.Count, accepted);
      if (result.refused.length > 0) {
        // SQS will refuse these events every time: a 503 would have the producer retry forever.
        metrics.addMetric('IngestEventsRefused', MetricUnit.Count, result.refused.length);
        return reply(
          { kind: 'refused-by-queue', refused: result.refused, accepted, rejection },
          { refused: result.refused, accepted, errors: result.errors },
        );
      }
    }
    if (rejection) {
      return reply(
        { kind: 'rejected', rejection, acceptedBefore: toSend.length },
        {
          rejection: { index: rejection.index, code: rejection.code, reason: rejection.reason },
          accepted: toSend.length,
        },
      );
    }
    return reply({ kind: 'accepted', count: toSend.length }, { accepted: toSend.length });
  };
}

let configured: EndpointHandler | undefined;

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler: EndpointHandler = (event, context) => {
  if (!configured) {
    const config = readEndpointConfig(process.env);
    const clientConfig = endpointClientConfig(config.functionTimeoutSeconds);
    configured = createEndpointHandler({
      config,
      sender: sqsSender(new SQSClient(clientConfig), config.queueUrl),
      token: secretTokenSource(
        new SecretsManagerClient(clientConfig),
        config.tokenSecretArn,
        config.tokenCacheSeconds,
      ),
      logger: new Logger({ serviceName: 'ingest-endpoint' }),
      metrics: new Metrics({ namespace: 'Sluice', serviceName: 'ingest-endpoint' }),
    });
  }
  return configured(event, context);
};
