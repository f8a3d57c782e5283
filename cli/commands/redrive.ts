import { Option, type Command } from 'commander';
import type { CommandContext } from '../context';
import type { RedriveReport } from '../redrive/redrive';
import { CommandFailed, usageError } from '../shared/errors';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive } from '../shared/time-arg';
import type { Runner } from './runner';

interface RedriveOptions {
  fromDlq: 'object' | 'ingest';
  max?: number;
  rate?: number;
  dryRun?: boolean;
  method: 'auto' | 'native' | 'manual';
}

function render(report: RedriveReport & { from: string; to: string }): string {
  if (report.dryRun) {
    return `dry run: would move ${report.moved} of ${report.before} message(s) from ${report.from} to ${report.to} (${report.method === 'native' ? 'SQS message move task, falling back to receive/send/delete where unsupported' : 'receive/send/delete'}); ${report.left} would stay`;
  }
  const lines = [
    `moved ${report.moved} message(s) from ${report.from} to ${report.to} (${report.method === 'native' ? 'SQS message move task' : report.method === 'manual' ? 'receive/send/delete' : 'nothing to move'}); left in the DLQ: ${report.left}`,
  ];
  if (report.fallbackReason) lines.push(`note: ${report.fallbackReason}`);
  if (report.stoppedBy === 'signal')
    lines.push(
      report.method === 'native'
        ? `interrupted: the move task ${report.taskHandle} keeps running in SQS (aws sqs cancel-message-move-task --task-handle <handle> stops it)`
        : 'interrupted: every message received was moved; run the same command again to move the rest',
    );
  if (report.sendFailures > 0)
    lines.push(`${report.sendFailures} message(s) could not be sent and stay in the DLQ`);
  if (report.deleteFailures > 0)
    lines.push(
      `${report.deleteFailures} message(s) were sent but could not be deleted from the DLQ (they may be moved again)`,
    );
  return lines.join('\n');
}

export function registerRedrive(program: Command, run: Runner): void {
  program
    .command('redrive')
    .description(
      'Move dead-lettered messages back to their source queue, so the forwarder (or the batcher) retries them',
    )
    .addOption(new Option('--from-dlq <queue>', 'which DLQ').choices(['object', 'ingest']).default('object'))
    .option(
      '--max <n>',
      'move at most this many messages (uses receive/send/delete)',
      parsePositive('--max', { integer: true }),
    )
    .option('--rate <per-second>', 'at most this many messages per second', parsePositive('--rate'))
    .addOption(
      new Option(
        '--method <method>',
        'auto: SQS message move task, falling back to receive/send/delete where unsupported',
      )
        .choices(['auto', 'native', 'manual'])
        .default('auto'),
    )
    .option('--dry-run', 'show what would move; change nothing')
    .addHelpText(
      'after',
      `
Fix the cause first (sluice status, the forwarder logs): messages that fail again return to the DLQ after maxReceiveCount.
Ctrl-C stops after the messages in hand are sent and deleted (a move task keeps running in SQS:
only the waiting for it stops).
Exit code: 0 when everything asked for moved, or stopped by Ctrl-C (run it again for the rest);
1 otherwise; 130 on a second Ctrl-C (exits at once: messages received and not yet deleted return to
the DLQ when their visibility timeout ends, or are in both queues if they were sent).`,
    )
    .action(
      run(async (context: CommandContext, options: RedriveOptions) => {
        const { redrive } = await import('../redrive/redrive.js');
        const deployment = await context.deployment();
        const pair = options.fromDlq === 'ingest' ? deployment.ingest : deployment.objects;
        if (!pair) throw usageError(`${deployment.origin} has no ingest queue. Fix: use --from-dlq object`);
        if (!pair.deadLetterQueueUrl) {
          throw usageError(
            `${deployment.origin} names no ${options.fromDlq} DLQ (output or SLUICE_${options.fromDlq.toUpperCase()}_DLQ_URL)`,
          );
        }
        const progress = context.output.progress('redrive', options.max);
        const stop = listenForStop(
          context.io,
          context.output,
          'sending and deleting the messages in hand, then stopping',
        );
        const report = await redrive(context.aws.sqs, {
          deadLetterQueueUrl: pair.deadLetterQueueUrl,
          targetQueueUrl: pair.queueUrl,
          max: options.max,
          rate: options.rate,
          dryRun: options.dryRun,
          method: options.method,
          onProgress: (moved, total) => {
            if (total !== undefined) progress.setTotal(total);
            progress.update(moved);
          },
          shouldStop: () => stop.requested,
        }).finally(() => stop.dispose());
        progress.stop();
        const result = { ...report, from: pair.deadLetterQueueUrl, to: pair.queueUrl };
        context.output.result(result, render);
        if (!report.dryRun && (report.sendFailures > 0 || report.deleteFailures > 0))
          throw new CommandFailed('', 1);
      }),
    );
}
