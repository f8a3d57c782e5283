import { awsClientConfig } from '../../lambda/adapters/aws-client-config';
import { boundedRequestHandler, type BoundedRequestHandler } from '../../lambda/adapters/request-bounds';
import { checkedEndpoint, isAwsEndpoint } from './endpoint';

/** What the standard AWS environment and the global flags say about reaching AWS. */
export interface AwsSettings {
  readonly region?: string;
  readonly profile?: string;
  /** `AWS_ENDPOINT_URL` or `--endpoint-url`: an S3/SQS-compatible endpoint (moto, LocalStack). */
  readonly endpoint?: string;
  /** Path-style S3 addressing: on for non-AWS endpoints, or `SLUICE_S3_FORCE_PATH_STYLE=true`. */
  readonly forcePathStyle: boolean;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How long one attempt of a request may go unanswered. Default: `CLI_REQUEST_TIMEOUT_MS`. */
  readonly requestTimeoutMs?: number;
}

/**
 * Without a request timeout the SDK waits for ever on a request that is never answered (a proxy or
 * VPN that drops the connection silently), and the command hangs. 30 s: longer than any answer the
 * CLI waits for (SQS long polls hold theirs up to 20 s); also how long an object being read may
 * send nothing. With the SDK's 3 attempts, a command fails after about 90 s.
 */
export const CLI_REQUEST_TIMEOUT_MS = 30_000;

export function awsSettings(
  env: NodeJS.ProcessEnv,
  flags: { region?: string; profile?: string; endpointUrl?: string } = {},
): AwsSettings {
  const base = awsClientConfig(env);
  const endpoint = checkedEndpoint(flags.endpointUrl ?? base.endpoint);
  const profile = flags.profile ?? env.AWS_PROFILE;
  const explicitPathStyle = env.SLUICE_S3_FORCE_PATH_STYLE;
  const forcePathStyle =
    explicitPathStyle !== undefined
      ? explicitPathStyle === 'true'
      : endpoint !== undefined && !isAwsEndpoint(endpoint);
  return {
    region: flags.region ?? base.region,
    profile,
    endpoint,
    forcePathStyle,
    // A named profile wins over static keys in the environment.
    credentials: flags.profile ? undefined : base.credentials,
  };
}

/** The region a command talks to (for messages and synthetic notifications). */
export function regionOf(settings: AwsSettings): string {
  return settings.region ?? 'us-east-1';
}

/** What every SDK client is created with. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly profile?: string;
  readonly credentials?: AwsSettings['credentials'];
  readonly requestHandler: BoundedRequestHandler;
}

export function clientConfig(settings: AwsSettings): AwsClientConfig {
  return {
    region: settings.region,
    endpoint: settings.endpoint,
    profile: settings.profile,
    credentials: settings.credentials,
    requestHandler: boundedRequestHandler(settings.requestTimeoutMs ?? CLI_REQUEST_TIMEOUT_MS),
  };
}

/** The AWS SDK's documented switch for its Node version notice (read when a client is created). */
export const SDK_NODE_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * On Node below 22 every SDK client prints a 7-9 line notice about the SDK's releases of 2027. sluice
 * supports Node 20.19+, the operator cannot act on it, and it breaks `--json`'s JSON-lines stderr, so
 * the CLI turns it off before its first client; an operator's own setting of the switch wins.
 */
export function quietSdkNodeNotice(env: NodeJS.ProcessEnv = process.env): void {
  if (env[SDK_NODE_NOTICE_SWITCH] === undefined) env[SDK_NODE_NOTICE_SWITCH] = 'true';
}
