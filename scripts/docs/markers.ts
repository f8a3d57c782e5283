/**
 * Generated parts of hand-written Markdown pages: the text between
 * `<!-- generated:<name>:start -->` and `<!-- generated:<name>:end -->` belongs to `npm run docs`;
 * everything around the markers is prose that regeneration leaves as it is.
 */

export function startMarker(name: string): string {
  return `<!-- generated:${name}:start -->`;
}

export function endMarker(name: string): string {
  return `<!-- generated:${name}:end -->`;
}

/** Where a page's generated part is: the offsets just inside its markers. */
function locate(page: string, name: string, where: string): { from: number; to: number } {
  const start = startMarker(name);
  const end = endMarker(name);
  const first = page.indexOf(start);
  if (first === -1 || page.indexOf(start, first + 1) !== -1) {
    throw new Error(
      `${where} must contain the line ${start} exactly once (found ${first === -1 ? 'none' : 'several'}). Fix: put it, and ${end}, where the generated part goes`,
    );
  }
  const last = page.indexOf(end, first);
  if (last === -1 || page.indexOf(end, last + 1) !== -1) {
    throw new Error(`${where} must contain ${end} exactly once, after ${start}`);
  }
  return { from: first + start.length, to: last };
}

/** The generated part of `page`, without its markers and the line breaks next to them. */
export function generatedPart(page: string, name: string, where: string): string {
  const { from, to } = locate(page, name, where);
  return page.slice(from, to).replace(/^\n/, '').replace(/\n$/, '');
}

/** `page` with its generated part replaced by `content`; the rest of the page is kept byte for byte. */
export function replaceGeneratedPart(page: string, name: string, content: string, where: string): string {
  const { from, to } = locate(page, name, where);
  return `${page.slice(0, from)}\n${content.replace(/\n+$/, '')}\n${page.slice(to)}`;
}
