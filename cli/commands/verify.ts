import type { Command } from 'commander';
import { isValidLogType } from '../../lambda/core/layout/key-layout';
import { DEFAULT_KEY_LAYOUT } from '../../lambda/core/layout/key-pattern';
import { isAwsEndpoint } from '../aws/endpoint';
import type { CommandContext } from '../context';
import { CommandFailed, usageError } from '../shared/errors';
import { parsePositive } from '../shared/time-arg';
import type { CheckState, VerifyReport } from '../verify/verify';
import type { Runner } from './runner';

interface VerifyOptions {
  source?: string;
  logType: string;
  timeout: number;
  settle: number;
  metrics: boolean;
  dryRun?: boolean;
}

const mark = (state: CheckState) => ({ pass: 'ok  ', fail: 'FAIL', pending: '... ', skipped: 'skip' })[state];

/** `localEndpoint`: the non-AWS endpoint the command ran against, where no forwarder publishes metrics. */
export function render(report: VerifyReport, localEndpoint?: string): string {
  if (report.dryRun) {
    return `dry run: would write the vendor test object ${report.testObject} and the canary ${report.canary.key}, then wait for the object queue to drain, the DLQ to stay at ${report.deadLetters.before} and${report.checks.metricsMoved === 'skipped' ? '' : ' the forwarder metrics to move'}`;
  }
  return [
    `wrote ${report.testObject} (vendor test object: logged, never forwarded)`,
    `wrote ${report.canary.key} (canary record id ${report.canary.recordId})`,
    `${mark(report.checks.queueDrained)} object queue drained`,
    `${mark(report.checks.deadLetterQueueFlat)} object DLQ did not grow (${report.deadLetters.before} → ${report.deadLetters.after})`,
    `${mark(report.checks.metricsMoved)} forwarder metrics moved${report.objectsForwarded !== undefined ? ` (ObjectsForwarded ${report.objectsForwarded})` : ''}`,
    verdict(report, localEndpoint),
  ].join('\n');
}

function verdict(report: VerifyReport, localEndpoint: string | undefined): string {
  if (report.passed) return `verified in ${report.waitedSeconds}s: the canary was forwarded`;
  const { queueDrained, deadLetterQueueFlat, metricsMoved } = report.checks;
  // "Read the forwarder's logs" sends the operator after a fault that is not there: with the
  // queue drained and the DLQ flat, the canary went through, and only the metric is missing.
  if (queueDrained === 'pass' && deadLetterQueueFlat === 'pass' && metricsMoved === 'fail') {
    const why = localEndpoint
      ? `${localEndpoint} is not AWS, and neither sluice dev nor sluice run publishes CloudWatch metrics. Fix: pass --no-metrics`
      : `if the forwarder is a self-hosted sluice run, it publishes none: pass --no-metrics; else read the forwarder's logs`;
    return `NOT verified after ${report.waitedSeconds}s: the object queue drained and the DLQ did not grow, but the forwarder's ObjectsForwarded metric did not move: ${why}`;
  }
  return `NOT verified after ${report.waitedSeconds}s: read the forwarder's logs, then sluice status`;
}

export function registerVerify(program: Command, run: Runner): void {
  program
    .command('verify')
    .description(
      "Check the deployment end to end: write the vendor Test button's object and a canary object, and confirm the canary is forwarded",
    )
    .option('--source <name>', 'source to write into (default: the first configured)')
    .option(
      '--log-type <type>',
      'log type of the canary (it reaches your SIEM as <source>:<type>)',
      'sluice-canary',
    )
    .option('--timeout <seconds>', 'give up after this long', parsePositive('--timeout'), 300)
    .option(
      '--settle <seconds>',
      'wait this long before trusting an empty queue (notification delay)',
      (value) => (value === '0' ? 0 : parsePositive('--settle')(value)),
      10,
    )
    .option('--no-metrics', 'do not wait for CloudWatch metrics (self-hosted sluice run, local endpoints)')
    .option('--dry-run', 'show what would be written; write nothing')
    .addHelpText(
      'after',
      `
Passes when the object queue is seen empty, the object DLQ did not grow, and the forwarder's
ObjectsForwarded metric (namespace Sluice, dimension service=forwarder) moved since the writes:
EMF metrics reach CloudWatch a minute or two after the Lambda runs. The canary is a real record:
your SIEM receives it (sourcetype <source>:sluice-canary by default).
Exit code: 0 verified, 1 not verified.`,
    )
    .action(
      run(async (context: CommandContext, options: VerifyOptions) => {
        const { verify } = await import('../verify/verify.js');
        const cli = context.config();
        const source = options.source
          ? cli.config.sources.find((candidate) => candidate.name === options.source)
          : cli.config.sources[0];
        if (!source) throw usageError(`source '${options.source}' is not in ${cli.path}`);
        if (source.keyLayout !== DEFAULT_KEY_LAYOUT || !['auto', 'ndjson'].includes(source.format)) {
          // Written into a CloudTrail or Cloudflare source, they would be read as that vendor's
          // objects and quarantined, not forwarded.
          throw usageError(
            `source '${source.name}' reads the key layout ${source.keyLayout} (format ${source.format}), but verify writes a StrongDM-style test object and an NDJSON canary in the layout ${DEFAULT_KEY_LAYOUT}. Fix: pass --source with a source of that layout (e.g. your own applications' or StrongDM's)`,
          );
        }
        if (!isValidLogType(options.logType))
          throw usageError(`--log-type '${options.logType}' must be 1-64 letters, digits, - or _`);
        const deployment = await context.deployment();
        const endpoint = context.awsSettings.endpoint;
        const localEndpoint = endpoint && !isAwsEndpoint(endpoint) ? endpoint : undefined;
        if (localEndpoint && options.metrics && !options.dryRun) {
          // Said before the wait, not after it: the default --timeout is five minutes.
          context.output.warn(
            `${localEndpoint} is not AWS: unless something publishes the forwarder's metrics there, verify waits --timeout (${options.timeout}s) for them and fails; pass --no-metrics (sluice dev and sluice run publish none)`,
          );
        }
        const progress = context.output.progress('verify: seconds waited', Math.round(options.timeout));
        const report = await verify({
          s3: context.aws.s3,
          sqs: context.aws.sqs,
          cloudWatch: context.aws.cloudWatch,
          deployment,
          source,
          logType: options.logType,
          timeoutMs: options.timeout * 1000,
          settleMs: options.settle * 1000,
          pollMs: Math.min(1_000, Math.max(100, options.timeout * 50)),
          metrics: options.metrics,
          dryRun: options.dryRun,
          onPoll: (checks, elapsed) =>
            progress.update(
              Math.round(elapsed / 1000),
              `queue drained: ${checks.queueDrained}, DLQ flat: ${checks.deadLetterQueueFlat}, metrics: ${checks.metricsMoved}`,
            ),
        });
        progress.stop();
        context.output.result(report, (result) => render(result, localEndpoint));
        if (!report.passed) throw new CommandFailed('', 1);
      }),
    );
}
