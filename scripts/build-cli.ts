/**
 * Compiles the `sluice` CLI (bin/sluice.ts and everything it imports) into dist/cli: one ES module
 * per entry, split so that each command's dependencies (the AWS SDK clients, the forwarder core,
 * the configuration schema) are chunks loaded by `import()` only when that command runs.
 *
 *   npm run build:cli        (also run by `npm ci` / `npm install` through the `prepare` script)
 *
 * bin/sluice.mjs runs dist/cli/sluice.mjs while it is newer than every source file it was built
 * from (listed in dist/cli/build-info.json), and the TypeScript through tsx otherwise.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

export const PACKAGE_ROOT = resolve(__dirname, '..');

/** Written last: its presence means the build is whole (see bin/built-cli.mjs). */
export const BUILD_INFO = 'build-info.json';

export interface BuildInfo {
  /** When the build started reading sources (ms since the epoch): a source changed later is newer. */
  readonly builtAt: number;
  /** The package's own files the bundle was built from, relative to the package root. */
  readonly inputs: readonly string[];
  /** The files of this build in its folder (chunks are named by their content's hash). */
  readonly files: readonly string[];
}

export interface BuiltCli {
  readonly outdir: string;
  readonly entry: string;
  /** Each output file (relative to outdir) with the inputs bundled into it, as esbuild reports them. */
  readonly outputs: Readonly<Record<string, readonly string[]>>;
}

/**
 * ES modules: `require` (for the CommonJS dependencies' own `require` of Node built-ins) and
 * `__dirname`/`__filename` as CommonJS code expects them. Every output file sits in outdir,
 * two folders below the package root like cli/commands/*.ts, so `__dirname`-relative paths
 * (the dev configuration in examples/) resolve to the same files.
 */
const BANNER = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  "import { dirname as __sluiceDirname } from 'node:path';",
  "import { fileURLToPath as __sluiceFileURLToPath } from 'node:url';",
  'const require = __sluiceCreateRequire(import.meta.url);',
  'const __filename = __sluiceFileURLToPath(import.meta.url);',
  'const __dirname = __sluiceDirname(__filename);',
].join('\n');

/** The files the build in `outdir` wrote, or none when there is no (readable) build there. */
function filesOfBuild(outdir: string): readonly string[] {
  try {
    return (JSON.parse(readFileSync(join(outdir, BUILD_INFO), 'utf8')) as Partial<BuildInfo>).files ?? [];
  } catch {
    return [];
  }
}

/**
 * Builds into a staging folder, then moves the chunks in (new names: each is named by its content's
 * hash), the entry, and build-info.json last, so a CLI starting meanwhile never sees half a build.
 * The previous build's chunks stay one generation: a command that started before (a `sluice run`
 * worker) can still load the chunks it loads late, e.g. the SDK's credential providers.
 */
export async function buildCli(options: { outdir?: string } = {}): Promise<BuiltCli> {
  const outdir = resolve(options.outdir ?? join(PACKAGE_ROOT, 'dist', 'cli'));
  const staging = `${outdir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const builtAt = Date.now();
  let result;
  try {
    result = await build({
      absWorkingDir: PACKAGE_ROOT,
      entryPoints: { sluice: join(PACKAGE_ROOT, 'bin', 'sluice.ts') },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // The SDK's ES module builds: esbuild drops what the CLI does not import (smaller chunks to load).
      mainFields: ['module', 'main'],
      banner: { js: BANNER },
      metafile: true,
      logLevel: 'warning',
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.split('/').includes('node_modules'))
    .sort();
  const outputs: Record<string, string[]> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.mjs'))
      outputs[relative(staging, resolve(PACKAGE_ROOT, file))] = Object.keys(output.inputs);
  }
  const files = readdirSync(staging).sort();
  const info: BuildInfo = { builtAt, inputs, files };
  writeFileSync(join(staging, BUILD_INFO), `${JSON.stringify(info, null, 2)}\n`);

  mkdirSync(outdir, { recursive: true });
  const previous = new Set(filesOfBuild(outdir));
  const last = ['sluice.mjs', BUILD_INFO];
  for (const file of [...files.filter((name) => !last.includes(name)), ...last])
    renameSync(join(staging, file), join(outdir, file));
  rmSync(staging, { recursive: true, force: true });
  const keep = new Set([...files, ...previous, BUILD_INFO]);
  for (const file of readdirSync(outdir)) {
    if (!keep.has(file)) rmSync(join(outdir, file), { recursive: true, force: true });
  }
  return { outdir, entry: join(outdir, 'sluice.mjs'), outputs };
}

if (require.main === module) {
  const startedAt = Date.now();
  buildCli().then(
    (built) =>
      console.log(
        `sluice CLI built in ${Date.now() - startedAt} ms: ${relative(PACKAGE_ROOT, built.entry)} + ${Object.keys(built.outputs).length - 1} chunk(s)`,
      ),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
