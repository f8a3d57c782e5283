/**
 * Writes the generated parts of the docs (`npm run docs`): the configuration reference in
 * docs/configuration.md, from the configuration's JSON Schema, and the CLI reference in docs/cli.md,
 * from the commands' own `--help`. Only the text between each page's
 * `<!-- generated:<name>:start -->` and `<!-- generated:<name>:end -->` markers is replaced; the
 * prose around them is the page's own. test/unit/docs/docs.test.ts fails until this has been run
 * after a change to the configuration schema or to a command's options.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_PAGES } from './docs/pages';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  for (const page of GENERATED_PAGES) {
    const path = join(root, page.path);
    const before = readFileSync(path, 'utf8');
    const after = page.regenerate(before, await page.generate(before));
    if (after === before) {
      console.log(`${page.path}: up to date`);
    } else {
      writeFileSync(path, after);
      console.log(`${page.path}: rewrote the part between the ${page.marker} markers`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
