/**
 * Just enough CommonMark/GFM for the docs generators and check: fenced code blocks, headings and
 * their GitHub anchors, links, inline code. Line numbers are 1-based, as editors show them.
 */
import { Slugger } from './slug';

export interface CodeBlock {
  /** The fence's language, lower-cased (`json`, `bash`; '' for none). */
  readonly lang: string;
  readonly body: string;
  /** The line of the opening fence. */
  readonly line: number;
  /** The last non-blank line before the fence, trimmed (e.g. `<!-- not-config -->`). */
  readonly before: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

/** Fenced code blocks, their bodies without the fence's indentation (fences inside list items). */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let previous = '';
  for (let index = 0; index < lines.length; index += 1) {
    const open = FENCE.exec(lines[index]);
    if (!open) {
      if (lines[index].trim() !== '') previous = lines[index].trim();
      continue;
    }
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let end = index + 1;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    for (; end < lines.length && !closing.test(lines[end]); end += 1) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end].trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), body: body.join('\n'), line: index + 1, before: previous });
    index = end;
    previous = '';
  }
  return blocks;
}

/** The text outside code blocks and HTML comments (blanked, not removed: lines keep their numbers). */
export function prose(markdown: string): string {
  const lines = markdown.split('\n');
  for (const block of codeBlocks(markdown)) {
    const count = block.body === '' ? 2 : block.body.split('\n').length + 2;
    for (let line = block.line - 1; line < block.line - 1 + count && line < lines.length; line += 1) {
      lines[line] = '';
    }
  }
  return lines.join('\n').replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ''));
}

/** `text` with its inline code spans blanked (same length), so that what they show is not read as Markdown. */
function withoutInlineCode(text: string): string {
  return text.replace(/(`+)(?!`)((?:(?!\n\s*\n)[\s\S])*?[^`])\1(?!`)/g, (span) =>
    span.replace(/[^\n]/g, ' '),
  );
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

export interface InlineCode {
  /** The span's content, with line breaks and runs of spaces made one space. */
  readonly text: string;
  readonly line: number;
}

export function inlineCode(markdown: string): InlineCode[] {
  const text = prose(markdown);
  return [...text.matchAll(/(`+)(?!`)((?:(?!\n\s*\n)[\s\S])*?[^`])\1(?!`)/g)].map((match) => ({
    text: match[2].replace(/\s+/g, ' ').trim(),
    line: lineAt(text, match.index),
  }));
}

/** A heading's text as GitHub renders it: no code ticks, link targets, images or HTML tags. */
function renderedHeading(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .trim();
}

/** The anchors of the page's headings, in order, and the slugger that handed them out. */
function headingAnchors(markdown: string): { slugger: Slugger; anchors: string[] } {
  const slugger = new Slugger();
  const found: string[] = [];
  for (const line of prose(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) found.push(slugger.slug(renderedHeading(heading[1])));
  }
  return { slugger, anchors: found };
}

/**
 * A slugger that has seen the headings of `markdown`: it gives a generated heading that follows this
 * text the anchor GitHub will give it (`-1` when a heading above already reads the same).
 */
export function sluggerAfter(markdown: string): Slugger {
  return headingAnchors(markdown).slugger;
}

/** Every anchor a link into this page can name: its headings' slugs, and `<a id|name="…">` anchors. */
export function anchors(markdown: string): Set<string> {
  const found = new Set(headingAnchors(markdown).anchors);
  for (const match of markdown.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) found.add(match[1]);
  return found;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images (`[text](target)`) and reference definitions (`[label]: target`). */
export function links(markdown: string): Link[] {
  const text = withoutInlineCode(prose(markdown));
  const inline = [...text.matchAll(/\[(?:[^[\]]|\[[^[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)];
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)];
  return [...inline, ...definitions]
    .map((match) => ({ target: match[1], line: lineAt(text, match.index) }))
    .sort((a, b) => a.line - b.line);
}
