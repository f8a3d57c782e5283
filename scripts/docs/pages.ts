/** The pages with a generated part, what generates it, and where it goes. */
import { configJsonSchema } from '../../lambda/core/config/json-schema';
import { cliReference } from './cli-reference';
import { configReference, type JsonSchemaNode } from './config-reference';
import { sluggerAfter } from './markdown';
import { replaceGeneratedPart, startMarker } from './markers';
import type { Slugger } from './slug';

export interface GeneratedPage {
  /** Relative to the package root. */
  readonly path: string;
  /** `<!-- generated:<marker>:start -->` … `<!-- generated:<marker>:end -->`. */
  readonly marker: string;
  /** The part as it should read now in `page` (the page's current text: its headings above the part count). */
  generate(page: string): Promise<string>;
  /** The page's text with its generated part replaced by `part`. */
  regenerate(page: string, part: string): string;
}

function page(path: string, marker: string, generate: (slugger: Slugger) => Promise<string>): GeneratedPage {
  return {
    path,
    marker,
    generate: (text) => {
      const start = text.indexOf(startMarker(marker));
      return generate(sluggerAfter(start === -1 ? text : text.slice(0, start)));
    },
    regenerate: (text, part) => replaceGeneratedPart(text, marker, part, path),
  };
}

export const GENERATED_PAGES: readonly GeneratedPage[] = [
  page('docs/configuration.md', 'config-reference', async (slugger) =>
    configReference(configJsonSchema() as JsonSchemaNode, slugger),
  ),
  page('docs/cli.md', 'cli-reference', cliReference),
];
