#!/usr/bin/env node
/** The `sluice` operations CLI (see `sluice --help`); `bin/sluice.mjs` loads it through tsx. */
import { runCli } from '../cli/main';

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
