/**
 * GitHub's heading anchors: the heading's text lower-cased, without punctuation and symbols (letters,
 * marks, digits, `-`, `_` and spaces stay), each space a `-`; the second heading with the same anchor
 * gets `-1`, the third `-2`, and so on.
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Hands out the anchors of one page's headings in order, numbering repeats as GitHub does (github-slugger). */
export class Slugger {
  private readonly occurrences = new Map<string, number>();

  slug(text: string): string {
    const base = githubSlug(text);
    let slug = base;
    // A numbered anchor can itself be taken by a heading that reads that way ("a-1"): keep counting.
    while (this.occurrences.has(slug)) {
      const count = (this.occurrences.get(base) ?? 0) + 1;
      this.occurrences.set(base, count);
      slug = `${base}-${count}`;
    }
    this.occurrences.set(slug, 0);
    return slug;
  }
}
