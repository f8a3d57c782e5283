/**
 * The simple commands of a shell snippet as the shell would run them, for finding the `sluice` command
 * lines in the docs: `\` line continuations joined, quotes removed, `#` comments and redirections
 * (`> out.json`, `2>&1`) dropped, split at newlines, `;`, `&`, `&&`, `|` and `||`; the commands inside
 * `$(…)` and backticks are returned too. Not a shell: no expansion, no heredocs, no control flow.
 */
export function simpleCommands(script: string): string[][] {
  const text = script.replace(/\\\r?\n/g, ' ');
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let dropNextWord = false;
  let at = 0;

  const endWord = () => {
    if (word === undefined) return;
    if (dropNextWord) dropNextWord = false;
    else words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  /** The text up to the `close` that balances the `open` just read (quotes skipped), and moves past it. */
  const balanced = (open: string, close: string): string => {
    let depth = 1;
    const start = at;
    while (at < text.length) {
      const char = text[at];
      if (char === "'" || char === '"') {
        const end = text.indexOf(char, at + 1);
        at = end === -1 ? text.length : end + 1;
        continue;
      }
      at += 1;
      if (char === open && open !== close) depth += 1;
      else if (char === close && (depth -= 1) === 0) return text.slice(start, at - 1);
    }
    return text.slice(start);
  };
  const substitution = (inner: string): string => {
    commands.push(...simpleCommands(inner));
    return `$(${inner})`;
  };

  while (at < text.length) {
    const char = text[at];
    const next = text[at + 1];
    if (char === ' ' || char === '\t' || char === '\r') {
      endWord();
      at += 1;
    } else if (char === '\n' || char === ';') {
      endCommand();
      at += 1;
    } else if (char === '&' || char === '|') {
      endCommand();
      at += next === char ? 2 : 1;
    } else if (char === '#' && word === undefined) {
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end;
    } else if (char === '>' || char === '<') {
      // A redirection: its file descriptor (2>) and its target are not arguments.
      if (word !== undefined && /^\d+$/.test(word)) word = undefined;
      endWord();
      at += next === char ? 2 : 1;
      if (text[at] === '&') {
        at += 1;
        while (/\d|-/.test(text[at] ?? '')) at += 1;
      } else {
        dropNextWord = true;
      }
    } else if (char === "'") {
      const end = text.indexOf("'", at + 1);
      word = (word ?? '') + text.slice(at + 1, end === -1 ? text.length : end);
      at = end === -1 ? text.length : end + 1;
    } else if (char === '$' && next === "'") {
      let end = at + 2;
      while (end < text.length && text[end] !== "'") end += text[end] === '\\' ? 2 : 1;
      word = (word ?? '') + text.slice(at + 2, end);
      at = end + 1;
    } else if (char === '"') {
      let value = '';
      at += 1;
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\' && /["\\$`]/.test(text[at + 1] ?? '')) {
          value += text[at + 1];
          at += 2;
        } else if (text[at] === '$' && text[at + 1] === '(') {
          at += 2;
          value += substitution(balanced('(', ')'));
        } else {
          value += text[at];
          at += 1;
        }
      }
      word = (word ?? '') + value;
      at += 1;
    } else if (char === '$' && next === '(') {
      at += 2;
      word = (word ?? '') + substitution(balanced('(', ')'));
    } else if (char === '`') {
      at += 1;
      word = (word ?? '') + substitution(balanced('`', '`'));
    } else if (char === '\\') {
      word = (word ?? '') + (next ?? '');
      at += 2;
    } else {
      word = (word ?? '') + char;
      at += 1;
    }
  }
  endCommand();
  return commands;
}
