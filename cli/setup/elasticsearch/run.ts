import { randomBytes } from 'node:crypto';
import type { ElasticsearchDestinationConfig } from '../../../lambda/core/config/destinations';
import type { RequestSigner } from '../../../lambda/core/sinks/types';
import type { CliConfig } from '../../shared/config';
import { usageError } from '../../shared/errors';
import { adminCredentials } from './admin-auth';
import { clusterInfoOf } from './cluster-info';
import { adminConnection } from './connection';
import { refused } from './errors';
import { executePlan } from './execute';
import { setupPlan } from './plan';
import { setupReport, type SetupReport } from './report';
import { dataStreamTargets } from './targets';
import { writerPlan } from './writer';

export interface SetupOptions {
  readonly source?: string;
  readonly logTypes?: readonly string[];
  readonly adminSecretArn?: string;
  readonly backendRole?: string;
  readonly newCredential?: boolean;
  readonly storeSecret?: boolean;
  readonly skipWriter?: boolean;
  readonly dryRun?: boolean;
}

/** What setup needs from outside: the configuration, the environment, Secrets Manager, AWS signing. */
export interface SetupDeps {
  readonly cli: CliConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly readSecret: (arn: string) => Promise<string>;
  /** Puts a new value into an existing secret; resolves to the new version's id. */
  readonly storeSecret: (arn: string, value: string) => Promise<string | undefined>;
  readonly signer: (region: string, service: 'es' | 'aoss') => RequestSigner;
  readonly now?: () => number;
  readonly password?: () => string;
}

export interface SetupResult {
  readonly report: SetupReport;
  /** The error that stopped the run after the report's resources (already reported in part). */
  readonly failure?: unknown;
}

function elasticsearchDestination(cli: CliConfig, name: string): ElasticsearchDestinationConfig {
  const destination = cli.destinations.find((candidate) => candidate.name === name);
  const choices = cli.destinations
    .filter((candidate) => candidate.type === 'elasticsearch')
    .map((d) => d.name);
  if (!destination || destination.type !== 'elasticsearch') {
    throw usageError(
      `'${name}' is not an elasticsearch destination of ${cli.path}. Fix: use one of ${choices.join(', ') || '(none configured)'}`,
    );
  }
  if (destination.auth.type === 'sigv4' && destination.auth.service === 'aoss') {
    throw usageError(
      `destination '${name}' is an OpenSearch Serverless collection, which has no index lifecycle policies nor security plugin roles to set up. Fix: give the collection a data lifecycle policy (retention) and a data access policy (aoss:WriteDocument for the forwarder's role) with the AWS API or console`,
    );
  }
  return destination;
}

/**
 * `sluice setup elasticsearch <destination>`: reads the cluster, then creates or updates what differs
 * from the destination's configuration. Validates everything it can before the first request.
 */
export async function setupElasticsearch(
  deps: SetupDeps,
  destinationName: string,
  options: SetupOptions,
): Promise<SetupResult> {
  const destination = elasticsearchDestination(deps.cli, destinationName);
  const targets = dataStreamTargets(destination, deps.cli.config.sources, {
    source: options.source,
    logTypes: options.logTypes,
  });
  if (options.storeSecret && destination.auth.type === 'sigv4') {
    throw usageError(
      `--store-secret: destination '${destination.name}' authenticates with SigV4, so there is no secret to store`,
    );
  }
  if (options.storeSecret && options.skipWriter)
    throw usageError('--store-secret and --skip-writer exclude each other');
  if (options.backendRole && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(options.backendRole)) {
    throw usageError(
      `--backend-role '${options.backendRole}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }
  const admin = await adminCredentials(destination, {
    env: deps.env,
    secretArn: options.adminSecretArn,
    readSecret: deps.readSecret,
    signer: deps.signer,
  });
  const connection = adminConnection(
    destination.url,
    admin.authorizer,
    destination.requestTimeoutSeconds * 1000,
  );
  try {
    const root = { method: 'GET' as const, path: '/' };
    const info = await connection.send(root);
    if (info.status !== 200) throw refused(root, info.status, info.body);
    const cluster = clusterInfoOf(info.body);
    const writer = writerPlan(destination, cluster, options);
    if (options.storeSecret && (writer.kind === 'role-only' || writer.kind === 'os-iam-role')) {
      throw usageError(
        `--store-secret: setup makes no credential for destination '${destination.name}' on ${cluster.flavor}`,
      );
    }
    const plan = setupPlan({
      destination,
      targets,
      cluster,
      writer,
      adminAuth: admin.kind,
      newCredential: Boolean(options.newCredential),
      password: (deps.password ?? (() => randomBytes(24).toString('base64url')))(),
      now: (deps.now ?? Date.now)(),
    });
    const outcome = await executePlan(plan, connection.send, { dryRun: Boolean(options.dryRun) });
    const base = {
      destination: destination.name,
      url: destination.url,
      cluster,
      retentionDays: destination.retentionDays,
      dataStreams: targets.map((target) => target.name),
    };
    let stored: { arn: string; versionId?: string } | undefined;
    let failure = outcome.failure;
    if (outcome.credential && options.storeSecret && destination.auth.type !== 'sigv4') {
      const arn = destination.auth.secretArn;
      try {
        stored = { arn, versionId: await deps.storeSecret(arn, outcome.credential.secret) };
      } catch (error) {
        // The credential is shown instead: it exists now and is never shown again.
        failure ??= error;
      }
    }
    return { report: setupReport(base, outcome, stored), failure };
  } finally {
    connection.close();
  }
}
