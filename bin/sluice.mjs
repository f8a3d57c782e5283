#!/usr/bin/env node
// The `sluice` bin. Runs the compiled CLI (dist/cli, built by `npm ci`/`npm install` or
// `npm run build:cli`) when it is up to date with the TypeScript sources; otherwise, e.g. right after
// an edit, the sources themselves through tsx (slower to start, never stale). SLUICE_DEBUG=true says which.
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtCli } from './built-cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const built = builtCli(join(here, '..'));
if (built.entry) {
  await import(pathToFileURL(built.entry).href);
} else {
  if (process.env.SLUICE_DEBUG === 'true') {
    process.stderr.write(
      `sluice: running the TypeScript sources through tsx (${built.reason}; npm run build:cli)\n`,
    );
  }
  const { esbuildIgnoringSigint } = await import('./tsx-esbuild.mjs');
  esbuildIgnoringSigint(here);
  // tsx is resolved from this package, not the caller's cwd.
  await import('tsx');
  await import('./sluice.ts');
}
