import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const BENCH_DIR = resolve(__dirname, '..');
export const OUT_DIR = join(BENCH_DIR, 'out');

/**
 * Bundles a benchmark child with esbuild the way the CDK bundles the Lambda functions (minified, with
 * a source map, run with --enable-source-maps): what is measured is the code Lambda runs, without a
 * TypeScript loader in the process. `readable` keeps names and lines for CPU profiles.
 */
export async function bundle(entry: string, options: { readable?: boolean } = {}): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const name = `${entry.replace(/^.*\//, '').replace(/\.ts$/, '')}${options.readable ? '.readable' : ''}.js`;
  const outfile = join(OUT_DIR, name);
  await build({
    entryPoints: [join(BENCH_DIR, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    minify: !options.readable,
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}
