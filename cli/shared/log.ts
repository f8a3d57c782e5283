import type { ForwarderLog } from '../../lambda/core/forward/process-message';
import type { Output } from './io';

/**
 * The forwarder's log lines on the CLI: warnings and errors always (stderr), info with `--verbose`.
 * Fields are what the core logs: keys, codes and counts, never record content or secrets.
 */
export function cliLog(output: Output, verbose: boolean): ForwarderLog {
  const line = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (output.json) {
      output.io.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);
      return;
    }
    const detail = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    output.io.stderr.write(`${level === 'info' ? '' : `${level}: `}${message}${detail}\n`);
  };
  return {
    info: (message, fields) => {
      if (verbose) line('info', message, fields);
    },
    warn: (message, fields) => line('warn', message, fields),
    error: (message, fields) => line('error', message, fields),
  };
}
