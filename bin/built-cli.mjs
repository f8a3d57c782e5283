// Whether the compiled CLI in dist/cli (scripts/build-cli.ts) may run: it exists, its build
// finished, and no source file it was built from changed since. Plain JavaScript: it runs before
// anything can load TypeScript, on every start, so it only reads one small file and stats the inputs.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The compiled entry (a path) when it is up to date with the sources under `root`, else undefined
 * with the reason, e.g. `{ reason: 'cli/commands/forward.ts changed after the build' }`.
 */
export function builtCli(root, outdir = join(root, 'dist', 'cli')) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(outdir, 'build-info.json'), 'utf8'));
  } catch {
    return { reason: `no build in ${outdir}` };
  }
  for (const input of info.inputs) {
    let modified;
    try {
      modified = statSync(join(root, input)).mtimeMs;
    } catch {
      return { reason: `${input} is gone` };
    }
    if (modified >= info.builtAt) return { reason: `${input} changed after the build` };
  }
  return { entry: join(outdir, 'sluice.mjs') };
}
