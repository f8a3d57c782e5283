/**
 * The CLI reference (docs/cli.md): the `--help` of the program and of every command, as the real
 * program prints it (80 columns, no colours, trailing spaces dropped). Options are documented once,
 * in the code that declares them.
 */
import { commandPaths, inertProgram, parseOnly } from './cli-program';
import { Slugger } from './slug';

async function helpOf(path: readonly string[]): Promise<string> {
  const argv = [...path, '--help'];
  const run = await parseOnly(argv);
  if (run.exitCode !== 0 || run.stdout === '') {
    throw new Error(`sluice ${argv.join(' ')} printed no help (exit ${run.exitCode}): ${run.stderr}`);
  }
  return run.stdout
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** The generated part of docs/cli.md (Markdown, without its markers); `slugger` as for configReference. */
export async function cliReference(slugger = new Slugger()): Promise<string> {
  const paths = [[], ...commandPaths(inertProgram({ stdout: [], stderr: [] }))];
  const sections: { title: string; slug: string; help: string }[] = [];
  for (const path of paths) {
    const title = `\`${['sluice', ...path].join(' ')}\``;
    sections.push({ title, slug: slugger.slug(title), help: await helpOf(path) });
  }
  return [
    "<!-- Written by `npm run docs` from the commands' own `--help` (cli/). Edit the commands, not this part. -->",
    '',
    ...sections.map(({ title, slug }, index) =>
      index === 0 ? `* [${title}](#${slug}): global options and the commands` : `* [${title}](#${slug})`,
    ),
    '',
    ...sections.flatMap(({ title, help }, index) => [
      `## ${title}`,
      '',
      ...(index === 0 ? ['The global options are accepted before or after the command name.', ''] : []),
      '```text',
      help,
      '```',
      '',
    ]),
  ]
    .join('\n')
    .trimEnd();
}
