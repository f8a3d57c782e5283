// Running the TypeScript sources (bin/sluice.mjs without an up-to-date build), tsx compiles each module
// on first import in an esbuild child process of the same process group. A Ctrl-C at the terminal is
// sent to the whole group: it killed esbuild, and every module first imported after it (a lazily loaded
// destination, the forwarder's detections) failed with "The service was stopped" instead of sluice
// stopping gracefully. Started through bin/esbuild-ignoring-sigint, esbuild ignores SIGINT.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

/** Points tsx's esbuild at the wrapper; leaves it alone where that cannot work (Windows, an unknown layout). */
export function esbuildIgnoringSigint(binDir) {
  if (process.platform === 'win32' || process.env.ESBUILD_BINARY_PATH) return;
  try {
    const require = createRequire(import.meta.url);
    const esbuild = require.resolve('esbuild', { paths: [dirname(require.resolve('tsx'))] });
    const binary = createRequire(esbuild).resolve(`@esbuild/${process.platform}-${process.arch}/bin/esbuild`);
    const wrapper = join(binDir, 'esbuild-ignoring-sigint');
    if (!existsSync(binary) || !existsSync(wrapper)) return;
    process.env.SLUICE_ESBUILD_BINARY = binary;
    process.env.ESBUILD_BINARY_PATH = wrapper;
  } catch {
    // esbuild as tsx finds it by itself: it works, only a terminal's Ctrl-C can stop it early.
  }
}
