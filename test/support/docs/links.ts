/**
 * Internal links of the docs: a relative link names a file or folder that exists, and a `#anchor`
 * names a heading (GitHub's anchor rules, see scripts/docs/slug.ts) or an `<a id>` of the page it
 * points into. Links with a scheme (https:, mailto:) are external and not followed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { anchors, links } from '../../../scripts/docs/markdown';

export interface BrokenLink {
  readonly target: string;
  readonly line: number;
  readonly reason: string;
}

/** Where pages are read from: the file system, or given texts (unit tests of the check). */
export type ReadPage = (path: string) => string | undefined;

export const readFromDisk: ReadPage = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

/**
 * The broken internal links of the page at `path` (absolute), whose text is `markdown`. `root` is the
 * repository root, which a link starting with `/` is relative to (as on GitHub).
 */
export function brokenLinks(path: string, markdown: string, root: string, read: ReadPage): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>([[path, anchors(markdown)]]);
  for (const { target, line } of links(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const hash = target.indexOf('#');
    const file = decodeURIComponent((hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, ''));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const to = file === '' ? path : file.startsWith('/') ? join(root, file) : resolve(dirname(path), file);
    if (file !== '' && read(to) === undefined && !existsSync(to)) {
      broken.push({ target, line, reason: `${relative(root, to)} does not exist` });
      continue;
    }
    if (anchor === undefined || anchor === '' || !to.endsWith('.md')) continue;
    let known = anchorsOf.get(to);
    if (!known) {
      known = anchors(read(to) ?? '');
      anchorsOf.set(to, known);
    }
    if (!known.has(anchor)) {
      broken.push({
        target,
        line,
        reason: `${relative(root, to)} has no heading with the anchor #${anchor}`,
      });
    }
  }
  return broken;
}
