#!/usr/bin/env node
/** The `sluice` operations CLI (see `sluice --help`); `bin/sluice.mjs` loads it through tsx. */
import { runCli } from '../cli/main';

// `sluice --help | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a stray socket or timer keep the process alive, do not hang.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
