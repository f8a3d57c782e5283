import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  GENERIC_PATH,
  HEC_EVENT_PATHS,
  HEC_HEALTH_PATHS,
  HEC_RAW_PATHS,
} from '../../lambda/core/ingest/routes';
import { ENDPOINT_TIMEOUT_SECONDS } from '../../lambda/core/ingest/time-budget';
import { FUNCTION_TIMEOUT_ENV } from '../../lambda/adapters/request-bounds';
import { IngestFunction } from './ingest-function';
import type { IngestQueue } from './ingest-queue';
import { acknowledgeNag } from '../nag';
import { checkInteger, checkLogTypes } from './validation';

export interface IngestEndpointThrottle {
  /** Steady-state requests per second for the whole API. Default: 50. */
  readonly rateLimit?: number;
  /** Burst of requests above the rate. Default: 100. */
  readonly burstLimit?: number;
}

export interface IngestEndpointProps {
  /** The queue accepted events go to. */
  readonly queue: IngestQueue;
  /**
   * Secret whose SecretString is the token producers present (`Authorization: Bearer <token>` or
   * `Splunk <token>`). Default: a new secret holding a generated 48-character token.
   */
  readonly tokenSecret?: secretsmanager.ISecret;
  /** Log type of events without a `logType` field. Default: none (such events get a 400). */
  readonly defaultLogType?: string;
  /** The log types events may use. Default: any name matching `LOG_TYPE_PATTERN`. */
  readonly allowedLogTypes?: readonly string[];
  /**
   * Largest body accepted, after gzip decompression (1 KiB to 64 MiB). An uncompressed body reaches the
   * function only up to about 4.4 MiB (Lambda's 6 MB synchronous invocation payload holds the
   * request with its body base64-encoded); only gzip bodies can reach a larger limit. Default: 4 MiB.
   */
  readonly maxBodyBytes?: number;
  /** API Gateway throttling of the stage (excess requests get 429 without reaching the function). */
  readonly throttle?: IngestEndpointThrottle;
  /**
   * How long a fetched token is reused (at most 1 hour): after rotation the old token keeps working up
   * to this long. A new token works at once (a token other than the cached one has the secret re-read,
   * at most once per 10 s per execution environment). Default: 5 minutes.
   */
  readonly tokenCacheTtl?: Duration;
  /**
   * 5 to 29 s: API Gateway gives up after 30 s, and the AWS requests' timeouts are derived from it
   * (the SDK's three attempts and the answer fit in it). Default: 15 s.
   */
  readonly timeout?: Duration;
  /** Default: 512 MB. */
  readonly memorySize?: number;
  /** Default: unset. */
  readonly reservedConcurrency?: number;
  /** For the function's logs and the API access logs. Default: three months. */
  readonly logRetention?: logs.RetentionDays;
}

export const INGEST_ENDPOINT_DEFAULTS = {
  maxBodyBytes: 4 * 1024 * 1024,
  rateLimit: 50,
  burstLimit: 100,
  tokenCacheTtl: Duration.minutes(5),
  timeout: Duration.seconds(ENDPOINT_TIMEOUT_SECONDS.default),
  memorySize: 512,
  logRetention: logs.RetentionDays.THREE_MONTHS,
} as const;

/**
 * The HTTPS endpoint for producers that cannot use the AWS SDK: an API Gateway HTTP API (stage
 * throttling, JSON access logs) in front of a function that checks the token, validates the
 * events and answers only once they are in the ingest queue. Paths: `POST /v1/events` (NDJSON or a
 * JSON array), `POST /services/collector[/event[/1.0]]` (Splunk HEC envelopes),
 * `POST /services/collector/raw[/1.0]` (NDJSON), `GET /services/collector/health[/1.0]`.
 */
export class IngestEndpoint extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly tokenSecret: secretsmanager.ISecret;
  readonly accessLogGroup: logs.LogGroup;
  /** Base URL; a HEC client's endpoint setting is this URL (it appends `/services/collector/event`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: IngestEndpointProps) {
    super(scope, id);
    checkLogTypes('IngestEndpoint', props.defaultLogType, props.allowedLogTypes);
    const maxBodyBytes = checkInteger(
      'IngestEndpoint maxBodyBytes',
      props.maxBodyBytes ?? INGEST_ENDPOINT_DEFAULTS.maxBodyBytes,
      1024,
      64 * 1024 * 1024,
    );
    const rateLimit = props.throttle?.rateLimit ?? INGEST_ENDPOINT_DEFAULTS.rateLimit;
    const burstLimit = checkInteger(
      'IngestEndpoint throttle.burstLimit',
      props.throttle?.burstLimit ?? INGEST_ENDPOINT_DEFAULTS.burstLimit,
      1,
      5000,
    );
    const logRetention = props.logRetention ?? INGEST_ENDPOINT_DEFAULTS.logRetention;
    // The function reads TOKEN_CACHE_SECONDS as 0..3600: a larger value would deploy, then fail every
    // request (500, retried forever by producers) instead of failing here.
    const tokenCacheSeconds = checkInteger(
      'IngestEndpoint tokenCacheTtl (seconds)',
      (props.tokenCacheTtl ?? INGEST_ENDPOINT_DEFAULTS.tokenCacheTtl).toSeconds(),
      0,
      3600,
    );
    // API Gateway answers 503 after 30 s while the function may still queue the events; the producer's
    // retry would then queue them a second time. The function must answer first. Below 5 s the SDK's
    // attempts of at least 1 s each no longer fit before the answer (time-budget.ts).
    const timeout = props.timeout ?? INGEST_ENDPOINT_DEFAULTS.timeout;
    checkInteger(
      'IngestEndpoint timeout (seconds)',
      timeout.toSeconds(),
      ENDPOINT_TIMEOUT_SECONDS.min,
      ENDPOINT_TIMEOUT_SECONDS.max,
    );

    if (props.tokenSecret) {
      this.tokenSecret = props.tokenSecret;
    } else {
      const secret = new secretsmanager.Secret(this, 'Token', {
        description: 'sluice ingest endpoint token (Authorization: Bearer <token> or Splunk <token>)',
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeNag(
        secret,
        'SMG4',
        'The ingest token is shared with producers (Fluent Bit, Vector, shippers) that cannot read Secrets Manager, so it cannot rotate on a schedule; it is rotated by updating the secret together with the producers (the endpoint re-reads the secret when a request presents a token other than the cached one).',
      );
      this.tokenSecret = secret;
    }

    const ingestFunction = new IngestFunction(this, 'Endpoint', {
      handlerFolder: 'ingest-endpoint',
      description:
        'sluice ingest endpoint: authenticated HTTPS (NDJSON, JSON array, Splunk HEC) to the ingest queue',
      timeout,
      memorySize: props.memorySize ?? INGEST_ENDPOINT_DEFAULTS.memorySize,
      logRetention,
      reservedConcurrency: props.reservedConcurrency,
      environment: {
        INGEST_QUEUE_URL: props.queue.queue.queueUrl,
        TOKEN_SECRET_ARN: this.tokenSecret.secretArn,
        MAX_BODY_BYTES: String(maxBodyBytes),
        MAX_MESSAGE_BYTES: String(props.queue.maxMessageSizeBytes),
        TOKEN_CACHE_SECONDS: String(tokenCacheSeconds),
        [FUNCTION_TIMEOUT_ENV]: String(timeout.toSeconds()),
        ...(props.defaultLogType === undefined ? {} : { DEFAULT_LOG_TYPE: props.defaultLogType }),
        ...(props.allowedLogTypes === undefined
          ? {}
          : { ALLOWED_LOG_TYPES: props.allowedLogTypes.join(',') }),
      },
    });
    this.function = ingestFunction.function;
    this.role = ingestFunction.role;
    props.queue.grantSend(this.role);
    this.tokenSecret.grantRead(this.role);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'sluice ingest endpoint',
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        // Never the Authorization header or the body: neither is available to the format, by design.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            requestLength: '$context.requestLength',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatencyMs: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Handler', this.function);
    const routes: [string, apigwv2.HttpMethod][] = [
      [GENERIC_PATH, apigwv2.HttpMethod.POST],
      ...HEC_EVENT_PATHS.map((path): [string, apigwv2.HttpMethod] => [path, apigwv2.HttpMethod.POST]),
      ...HEC_RAW_PATHS.map((path): [string, apigwv2.HttpMethod] => [path, apigwv2.HttpMethod.POST]),
      ...HEC_HEALTH_PATHS.map((path): [string, apigwv2.HttpMethod] => [path, apigwv2.HttpMethod.GET]),
    ];
    for (const [path, method] of routes) {
      for (const route of this.api.addRoutes({ path, methods: [method], integration })) {
        acknowledgeNag(
          route,
          'APIG4',
          "The function authenticates every ingest request itself (token from Secrets Manager, constant-time comparison) so that it can answer 401/403 the way Splunk HEC clients expect, which an API Gateway authorizer's fixed answers cannot; the health route is open, as Splunk HEC's is.",
        );
      }
    }
    this.url = this.api.apiEndpoint;
  }
}
