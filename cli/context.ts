import { AwsClients, awsSettings, regionOf } from './aws/clients';
import { deploymentFromEnv, deploymentFromStack, type Deployment } from './aws/deployment';
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

/** What a command works with: its output, AWS clients, the configuration and the deployment. */
export class CommandContext {
  readonly output: Output;
  private clients?: AwsClients;
  private loaded?: { value: CliConfig | undefined };

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {
    this.output = new Output(io, Boolean(options.json));
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  get aws(): AwsClients {
    this.clients ??= new AwsClients(
      awsSettings(this.io.env, {
        region: this.options.region,
        profile: this.options.profile,
        endpointUrl: this.options.endpointUrl,
      }),
    );
    return this.clients;
  }

  get region(): string {
    return regionOf(this.aws.settings);
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
    const quarantinePrefix = this.optionalConfig()?.config.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX;
    const fromEnv = this.options.stack ? undefined : deploymentFromEnv(this.io.env, quarantinePrefix);
    if (fromEnv) return fromEnv;
    return deploymentFromStack(this.aws.cloudFormation, this.stackName(), {
      quarantinePrefix,
      region: this.aws.settings.region,
    });
  }

  close(): void {
    this.clients?.destroy();
  }
}
