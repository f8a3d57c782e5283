import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createSigV4Signer } from '../../lambda/adapters/sigv4-signer';
import type { LocalDestinationConfig } from '../../lambda/core/config/destinations';
import type { DetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import type { ObjectSource, QuarantineWriter } from '../../lambda/core/forward/ports';
import type { ContinuationQueue, ForwarderLog } from '../../lambda/core/forward/process-message';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import type { AwsSession } from '../aws/session';
import type { CliConfig } from '../shared/config';
import { usageError } from '../shared/errors';
import type { CliDetectionsParts } from './detections';
import { LocalForwarder } from './local-forwarder';

/** The configured destinations, or only those named by `--destination` (unknown names are refused). */
export function selectDestinations(
  cli: CliConfig,
  names: readonly string[] | undefined,
): readonly LocalDestinationConfig[] {
  if (!names || names.length === 0) return cli.destinations;
  const known = new Map(cli.destinations.map((destination) => [destination.name, destination]));
  return names.map((name) => {
    const destination = known.get(name);
    if (!destination) {
      throw usageError(
        `destination '${name}' is not in ${cli.path}. Fix: use one of ${[...known.keys()].join(', ') || '(none configured)'}`,
      );
    }
    return destination;
  });
}

export interface ForwarderParts {
  readonly cli: CliConfig;
  /** The AWS settings (the SigV4 signer's profile) and, unless `secret` is given, Secrets Manager's client. */
  readonly aws: AwsSession;
  readonly destinations: readonly LocalDestinationConfig[];
  readonly objects: ObjectSource;
  readonly quarantine: QuarantineWriter;
  readonly continuations?: ContinuationQueue;
  readonly log: ForwarderLog;
  /** Secrets by ARN. Default: Secrets Manager (through the same AWS settings). */
  readonly secret?: (arn: string) => SecretSource;
  readonly invocationTimeoutMs?: number;
  /**
   * The detections stage and alert routes (`forwarderDetections`). Default: none. Only the workers on a
   * deployment's object queue (`sluice run`, `sluice dev`) run detections: `sluice forward` and
   * `replay --direct` read objects the deployment has already read, and would open its alerts again
   * with no state of their own.
   */
  readonly detections?: DetectionFanout;
}

/** A forwarder with the configuration's sources and limits and the chosen destinations. */
export function buildForwarder(parts: ForwarderParts): LocalForwarder {
  if (parts.destinations.length === 0) {
    throw usageError(
      `${parts.cli.path} has no destinations. Fix: add one (a "file" destination works with no SIEM)`,
    );
  }
  const runtime = runtimeConfigOf(parts.cli.config);
  const secret = parts.secret ?? lazySecretsManager(parts.aws);
  const profile = parts.aws.settings.profile;
  return new LocalForwarder({
    sources: runtime.sources,
    destinations: parts.destinations,
    objects: parts.objects,
    quarantine: parts.quarantine,
    continuations: parts.continuations,
    secret,
    signer: (region, service) =>
      createSigV4Signer(region, service, defaultProvider(profile ? { profile } : {})),
    maxRecordBytes: runtime.maxRecordBytes,
    maxObjectBytes: runtime.maxObjectBytes,
    log: parts.log,
    invocationTimeoutMs: parts.invocationTimeoutMs,
    detections: parts.detections,
  });
}

/**
 * The detections of a worker on the deployment's object queue, when the configuration has
 * `detections` (state in the deployment's table: see cli/forwarding/detections.ts); undefined
 * otherwise. Loads the DynamoDB client and the detection core only then.
 */
export async function forwarderDetections(parts: CliDetectionsParts): Promise<DetectionFanout | undefined> {
  if (!parts.cli.config.detections) return undefined;
  const { cliDetections } = await import('./detections.js');
  return cliDetections(parts);
}

/**
 * Secrets Manager, loaded at the first read of a secret: destinations without one (a `file`
 * destination, an endpoint without authentication) never load its SDK client.
 */
function lazySecretsManager(session: AwsSession): (arn: string) => SecretSource {
  let secretsOf: Promise<(arn: string) => SecretSource> | undefined;
  const load = () =>
    (secretsOf ??= import('./secrets.js').then(({ secretsManagerSecrets }) =>
      secretsManagerSecrets(session),
    ));
  return (arn) => ({
    get: async () => (await load())(arn).get(),
    refresh: async () => (await load())(arn).refresh(),
  });
}
