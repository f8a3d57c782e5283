/** The pages the docs check reads: README.md and every Markdown file under docs/. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generatedPart } from '../../../scripts/docs/markers';

export const ROOT = join(__dirname, '..', '..', '..');

export interface Page {
  /** Relative to the repository root, e.g. `docs/cli.md`. */
  readonly path: string;
  readonly text: string;
}

function markdownUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return markdownUnder(path);
      return entry.name.endsWith('.md') ? [path] : [];
    })
    .sort();
}

export function docsPages(): Page[] {
  return [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs'))].map((path) => ({
    path: relative(ROOT, path),
    text: readFileSync(path, 'utf8'),
  }));
}

/** Why a page's generated part differs from a fresh generation, or undefined when it does not. */
export function staleGeneratedPart(page: Page, marker: string, fresh: string): string | undefined {
  const current = generatedPart(page.text, marker, page.path);
  if (current === fresh.replace(/\n+$/, '')) return undefined;
  const currentLines = current.split('\n');
  const freshLines = fresh.split('\n');
  const first = freshLines.findIndex((line, index) => line !== currentLines[index]);
  const at = first === -1 ? freshLines.length : first;
  return `the ${marker} part of ${page.path} is out of date (first difference in its line ${at + 1}: ${JSON.stringify(currentLines[at] ?? '(end)')}, expected ${JSON.stringify(freshLines[at] ?? '(end)')}). Fix: run \`npm run docs\``;
}
