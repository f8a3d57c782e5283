/**
 * The `sluice` command lines the docs show, and whether the real CLI accepts them.
 *
 * Found in ```bash / ```sh / ```shell / ```zsh blocks (every line), in ```console blocks (the lines
 * after a `$ ` prompt), in ```dockerfile `RUN`/`CMD`/`ENTRYPOINT` lines, and in inline code that
 * starts with the program (inline code that only names a command, `sluice replay`, must name one that
 * exists; so must a subcommand named by its path, `sluice setup elasticsearch`). The program is `sluice`, `npx sluice`, `node bin/sluice.mjs` or `npm start --` (which runs
 * `sluice dev`), as the first word of a simple command after any `NAME=value` assignments (see
 * shell.ts for pipes, `\`, comments…; heredoc bodies are skipped). `<placeholders>` become a dummy
 * value their name suits (`<n>` → 1, `<time>` → 1h, else `placeholder`); a lone `…` stands for "more
 * arguments" and is dropped, and a line that was only the program and `…` is not checked.
 */
import { commandPaths, inertProgram, parseOnly } from '../../../scripts/docs/cli-program';
import { codeBlocks, inlineCode } from '../../../scripts/docs/markdown';
import { simpleCommands } from './shell';

export interface CommandLine {
  /** The arguments after the program, as the CLI receives them. */
  readonly argv: readonly string[];
  /** The line as the docs show it. */
  readonly text: string;
  readonly line: number;
  /** Set when the docs only name this command (inline `sluice replay`): it must exist. */
  readonly names?: string;
}

const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'zsh']);
const ELLIPSIS = new Set(['…', '...']);

const PROGRAMS: readonly { readonly words: readonly string[]; readonly argv: readonly string[] }[] = [
  { words: ['npm', 'start', '--'], argv: ['dev'] },
  { words: ['npm', 'start'], argv: ['dev'] },
  { words: ['npx', 'sluice'], argv: [] },
  { words: ['node', 'bin/sluice.mjs'], argv: [] },
  { words: ['node', './bin/sluice.mjs'], argv: [] },
  { words: ['sluice'], argv: [] },
];

function dummyFor(name: string): string {
  if (
    /^(n|count|number|max|limit|size|bytes|seconds|minutes|days|rate|per-second|concurrency|port)$/i.test(
      name,
    )
  ) {
    return '1';
  }
  if (/^(time|from|to|start|end|since|until)$/i.test(name)) return '1h';
  if (/^(command|cmd)$/i.test(name)) return 'status';
  return 'placeholder';
}

/** `<bucket>` → placeholder, before the shell reads `<` as a redirection. */
export function fillPlaceholders(text: string): string {
  return text.replace(/<([A-Za-z][\w.:/-]*)>/g, (_, name: string) => dummyFor(name));
}

/** The CLI's arguments when `words` runs sluice, else undefined. */
function argvOf(words: readonly string[]): string[] | undefined {
  const rest = [...words];
  if (rest[0] === 'env') rest.shift();
  while (rest.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) rest.shift();
  const program = PROGRAMS.find(({ words: prefix }) => prefix.every((word, index) => rest[index] === word));
  if (!program) return undefined;
  const args = rest.slice(program.words.length);
  const meaningful = args.filter((arg) => !ELLIPSIS.has(arg));
  if (meaningful.length === 0 && args.length > 0) return undefined;
  return [...program.argv, ...meaningful];
}

let knownPaths: ReadonlySet<string> | undefined;
/** Every command path of the real CLI below the program (`status`, `setup`, `setup elasticsearch`, …). */
function commandPathNames(): ReadonlySet<string> {
  knownPaths ??= new Set(
    commandPaths(inertProgram({ stdout: [], stderr: [] })).map((path) => path.join(' ')),
  );
  return knownPaths;
}

/** The sluice command lines of a shell snippet (`text`) that starts at `line`. */
export function commandLinesOfScript(text: string, line: number): CommandLine[] {
  const found: CommandLine[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    // One logical line at a time, with its continuation lines, so each command keeps its line number.
    let logical = lines[index];
    const first = index;
    while (/\\\s*$/.test(lines[index]) && index + 1 < lines.length) {
      index += 1;
      logical += `\n${lines[index]}`;
    }
    for (const words of simpleCommands(fillPlaceholders(logical))) {
      const argv = argvOf(words);
      if (argv) found.push({ argv, text: logical.trim(), line: line + first });
    }
    // A heredoc's body (`cat > dcr.json <<EOF` … `EOF`) is data, not commands.
    const heredoc = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(logical);
    if (heredoc) {
      while (index + 1 < lines.length && lines[index + 1].trim() !== heredoc[2]) index += 1;
      index += 1;
    }
  }
  return found;
}

/** A Dockerfile's `CMD ["node", "bin/sluice.mjs", …]` (exec form) or `RUN …` (shell form). */
function commandLinesOfInstruction(text: string, line: number): CommandLine[] {
  if (!text.trim().startsWith('[')) return commandLinesOfScript(text, line);
  const words = JSON.parse(text) as unknown;
  if (!Array.isArray(words) || !words.every((word) => typeof word === 'string')) return [];
  const argv = argvOf(words.map(fillPlaceholders));
  return argv ? [{ argv, text: text.trim(), line }] : [];
}

/** Every sluice command line shown in a Markdown page. */
export function commandLines(markdown: string): CommandLine[] {
  const found: CommandLine[] = [];
  for (const block of codeBlocks(markdown)) {
    if (SHELL_LANGS.has(block.lang)) {
      found.push(...commandLinesOfScript(block.body, block.line + 1));
    } else if (block.lang === 'dockerfile') {
      block.body.split('\n').forEach((text, index) => {
        const instruction = /^\s*(?:RUN|CMD|ENTRYPOINT)\s+(.*)$/i.exec(text);
        if (instruction) found.push(...commandLinesOfInstruction(instruction[1], block.line + 1 + index));
      });
    } else if (block.lang === 'console') {
      block.body.split('\n').forEach((text, index) => {
        const prompt = /^\s*\$\s+(.*)$/.exec(text);
        if (prompt) found.push(...commandLinesOfScript(prompt[1], block.line + 1 + index));
      });
    }
  }
  for (const span of inlineCode(markdown)) {
    if (!PROGRAMS.some(({ words }) => span.text.startsWith(`${words.join(' ')} `))) continue;
    for (const command of commandLinesOfScript(span.text, span.line)) {
      // Prose names a command (`sluice replay`) as often as it shows one: a name must be a command.
      const [name, ...args] = command.argv;
      if (name === undefined) continue;
      const path = command.argv.join(' ');
      if (args.length === 0 && !name.startsWith('-')) {
        found.push({ ...command, argv: ['help', name], names: name });
      } else if (commandPathNames().has(path)) {
        // A subcommand named by its path (`sluice setup elasticsearch`, as the CLI reference's headings do).
        found.push({ ...command, argv: [...command.argv, '--help'], names: path });
      } else {
        found.push(command);
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Why the real CLI refuses `command`, or undefined when it parses (up to the action, which never runs). */
export async function refusal(command: CommandLine): Promise<string | undefined> {
  const run = await parseOnly(command.argv);
  if (run.reachedAction || run.exitCode === 0) return undefined;
  if (command.names) return `unknown command '${command.names}'`;
  const reason = run.stderr.split('\n').find((text) => text.startsWith('error')) ?? run.stderr.trim();
  return reason || `exit ${run.exitCode}`;
}
