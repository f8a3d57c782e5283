import { Command, Option } from 'commander';
import { registerCollect } from './commands/collect';
import { registerDetect } from './commands/detect';
import { registerDev } from './commands/dev';
import { registerForward } from './commands/forward';
import { registerPull } from './commands/pull';
import { registerRedrive } from './commands/redrive';
import { registerReplay } from './commands/replay';
import { registerRun } from './commands/run';
import { createRunner } from './commands/runner';
import { registerSetup } from './commands/setup';
import { registerStatus } from './commands/status';
import { registerVerify } from './commands/verify';
import { strictHelpCommands } from './shared/help-command';
import type { CliIo } from './shared/io';

const VERSION = '0.1.0';

/** The `sluice` command line: global options, then one subcommand per operator task. */
export function createProgram(io: CliIo): Command {
  const program = new Command('sluice')
    .description(
      'Operate a sluice log stream: queue status, DLQ redrive, time-range replay, end-to-end verification, direct forwarding, a self-hosted worker, collectors of pull-only APIs, detection rules and the local pipeline.',
    )
    .version(VERSION)
    .option(
      '-s, --stack <name>',
      'CloudFormation stack to read outputs from (default: stackName of the config, else Sluice)',
    )
    .option('-c, --config <path>', 'sluice configuration file (default: sluice.config.json)')
    .option('--region <region>', 'AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / the profile)')
    .option('--profile <name>', 'AWS named profile (default: AWS_PROFILE)')
    .addOption(
      new Option('--endpoint-url <url>', 'S3/SQS-compatible endpoint, e.g. moto').env('AWS_ENDPOINT_URL'),
    )
    .option('--json', 'print the result as one JSON document on stdout (logs stay on stderr)')
    .option('-v, --verbose', 'log every object forwarded')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
The deployment is found from the stack's outputs (BucketName, ObjectQueueUrl, …), or from
SLUICE_BUCKET and SLUICE_OBJECT_QUEUE_URL (+ SLUICE_OBJECT_DLQ_URL, SLUICE_INGEST_QUEUE_URL,
SLUICE_INGEST_DLQ_URL) when the stack is not named with --stack. The standard AWS environment applies
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, credentials).

Start locally with no AWS account:  npm start   (or: npx sluice dev)`,
    );
  program.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  const run = createRunner(io);
  registerStatus(program, run);
  registerRedrive(program, run);
  registerReplay(program, run);
  registerVerify(program, run);
  registerForward(program, run);
  registerRun(program, run);
  registerPull(program, run);
  registerCollect(program, run);
  registerSetup(program, run);
  registerDetect(program, run);
  registerDev(program, run);
  strictHelpCommands(program);
  return program;
}
