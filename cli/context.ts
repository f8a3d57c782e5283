import type { AwsClients } from './aws/clients';
import type { Deployment } from './aws/deployment';
import { AwsSession } from './aws/session';
import { awsSettings, regionOf, type AwsSettings } from './aws/settings';
import {
  DEFAULT_CONFIG_PATH,
  DEFAULT_STACK_NAME,
  loadCliConfig,
  loadOptionalCliConfig,
  type CliConfig,
} from './shared/config';
import { Output, type CliIo } from './shared/io';

/** The options every command accepts (set before or after the command name). */
export interface GlobalOptions {
  readonly stack?: string;
  readonly config?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

const DEFAULT_QUARANTINE_PREFIX = 'sluice/quarantine';

/** The module of `AwsClients`: it brings the SDK clients of S3, SQS, CloudFormation, CloudWatch and Secrets Manager. */
export type AwsClientsModule = typeof import('./aws/clients');

/** What a command works with: its output, AWS clients, the configuration and the deployment. */
export class CommandContext {
  readonly output: Output;
  private session?: AwsSession;
  private loaded?: { value: CliConfig | undefined };

  /**
   * `clientsModule`: loaded by the runner before the action (see RunOptions), so that `aws` can be
   * synchronous; without it the command creates its clients through `awsSession`.
   */
  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
    private readonly clientsModule?: AwsClientsModule,
  ) {
    this.output = new Output(io, Boolean(options.json));
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** The AWS settings from the environment and the global flags (reading them loads no SDK code). */
  get awsSettings(): AwsSettings {
    return awsSettings(this.io.env, {
      region: this.options.region,
      profile: this.options.profile,
      endpointUrl: this.options.endpointUrl,
    });
  }

  /**
   * The AWS clients of this command, destroyed when it ends: `AwsClients` when the runner loaded its
   * module, else a session that creates only the clients the command asks for.
   */
  get awsSession(): AwsSession {
    this.session ??= this.clientsModule
      ? new this.clientsModule.AwsClients(this.awsSettings)
      : new AwsSession(this.awsSettings);
    return this.session;
  }

  get aws(): AwsClients {
    if (!this.clientsModule) {
      throw new Error('internal: this command was registered with aws: "on-demand"; use context.awsSession');
    }
    return this.awsSession as AwsClients;
  }

  get region(): string {
    return regionOf(this.awsSession.settings);
  }

  /** The configuration file; required (the command needs sources or destinations). */
  config(): CliConfig {
    const config = this.optionalConfig();
    return config ?? loadCliConfig(this.options.config ?? DEFAULT_CONFIG_PATH, this.io.cwd);
  }

  /** The configuration when `--config` is given or `sluice.config.json` exists. */
  optionalConfig(): CliConfig | undefined {
    this.loaded ??= { value: loadOptionalCliConfig(this.options.config, this.io.cwd) };
    return this.loaded.value;
  }

  stackName(): string {
    return this.options.stack ?? this.optionalConfig()?.config.stackName ?? DEFAULT_STACK_NAME;
  }

  /** `SLUICE_BUCKET` + `SLUICE_OBJECT_QUEUE_URL` when set, else the stack's outputs. */
  async deployment(): Promise<Deployment> {
    // Loaded here, not with the context: it brings the CloudFormation client.
    const { deploymentFromEnv, deploymentFromStack } = await import('./aws/deployment.js');
    const quarantinePrefix = this.optionalConfig()?.config.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX;
    const fromEnv = this.options.stack ? undefined : deploymentFromEnv(this.io.env, quarantinePrefix);
    if (fromEnv) return fromEnv;
    return deploymentFromStack(this.aws.cloudFormation, this.stackName(), {
      quarantinePrefix,
      region: this.awsSession.settings.region,
    });
  }

  /**
   * The deployment's bucket, for commands that read only the bucket: `SLUICE_BUCKET` alone when it is
   * set (no queue URL needed), else the deployment's.
   */
  async deploymentBucket(): Promise<string> {
    const { bucketFromEnv } = await import('./aws/deployment.js');
    const bucket = this.options.stack ? undefined : bucketFromEnv(this.io.env);
    return bucket ?? (await this.deployment()).bucket;
  }

  close(): void {
    this.session?.destroy();
  }
}
