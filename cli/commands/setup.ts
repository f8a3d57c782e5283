import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { CommandFailed } from '../shared/errors';
import type { Runner } from './runner';

interface SetupElasticsearchOptions {
  source?: string;
  logTypes?: string[];
  adminSecretArn?: string;
  backendRole?: string;
  newCredential?: boolean;
  storeSecret?: boolean;
  skipWriter?: boolean;
  dryRun?: boolean;
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export function registerSetup(program: Command, run: Runner): void {
  const setup = program
    .command('setup')
    .description(
      "Prepare a destination's receiving side for sluice (index templates, retention, an append-only writer)",
    )
    // The subcommand's term is 37 columns: below commander's default of 40 left for the summary,
    // the summary is printed unwrapped, as one line of well over 80.
    .configureHelp({ minWidthToWrap: 30 });
  setup
    .command('elasticsearch')
    .summary(
      'Index templates, data streams, retention and an append-only writer on Elasticsearch / OpenSearch',
    )
    .description(
      "Create or update, on an Elasticsearch or OpenSearch destination, the index template of each data stream sluice writes to, the data streams, a lifecycle policy with the destination's retentionDays (ILM / ISM), and a role plus credential that may only add documents",
    )
    .argument('<destination>', 'an elasticsearch destination from the configuration (destinations[].name)')
    .option('--source <name>', 'only the data streams of this source (default: every source)')
    .option(
      '--log-types <a,b,…>',
      "these log types (default: the destination's logTypes, else each source's known ones, e.g. StrongDM's activities, queries, replays)",
      list,
    )
    .option(
      '--admin-secret-arn <arn>',
      'Secrets Manager secret with the admin credentials: an encoded API key, or {"username": …, "password": …}',
    )
    .option(
      '--backend-role <arn>',
      "OpenSearch with SigV4 auth: the forwarder's IAM role ARN, mapped to the writer role",
    )
    .option(
      '--new-credential',
      'make a new writer credential even if one exists (rotation; the old one stays valid)',
    )
    .option(
      '--store-secret',
      "put the new writer credential into the destination's secret (auth.secretArn) instead of printing it",
    )
    .option('--skip-writer', 'no role and no credential (a cluster without security)')
    .option('--dry-run', 'read the cluster and print every write it would send; send none')
    .addHelpText(
      'after',
      `
Admin credentials (never the forwarder's, which may only append): --admin-secret-arn, else
SLUICE_ES_ADMIN_API_KEY (an encoded API key), else SLUICE_ES_ADMIN_USERNAME and
SLUICE_ES_ADMIN_PASSWORD, else for a SigV4 destination your AWS credentials.
Only what differs is written: running it twice changes nothing. The writer credential is an API key
(Elasticsearch, api-key auth) or a user (basic auth), printed once unless --store-secret.
Exit code: 0 when the cluster is set up, 1 when something could not be done (said why), 2 usage.`,
    )
    .action(
      run(async (context: CommandContext, options: SetupElasticsearchOptions, args: string[]) => {
        const [destination] = args;
        const deps = await import('./deps/setup.js');
        const cli = context.config();
        const result = await deps.setupElasticsearch(
          deps.setupDeps(cli, context.aws, context.env),
          destination,
          options,
        );
        context.output.result(result.report, deps.renderSetupReport);
        if (result.failure) throw result.failure;
        if (result.report.blocked.length > 0) throw new CommandFailed('', 1);
      }),
    );
}
