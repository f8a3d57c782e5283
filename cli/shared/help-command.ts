import type { Command } from 'commander';
import { meantOf } from '../../lambda/core/config/error-map';

/**
 * `help <command>` wherever commander offers it, refusing a command it does not know (exit 2,
 * naming it and the one meant): commander's own prints the whole help as an error without saying why.
 */
export function strictHelpCommands(command: Command): void {
  command.commands.forEach(strictHelpCommands);
  // Where commander gives a command an implicit help command (subcommands, no action of its own).
  const known = [...command.commands];
  if (
    !command
      .createHelp()
      .visibleCommands(command)
      .some((listed) => listed.name() === 'help')
  )
    return;
  command.helpCommand(false);
  command
    .command('help [command]')
    .description('display help for command')
    .action((name: string | undefined) => {
      if (name === undefined) command.help();
      const asked = known.find(
        (candidate) => candidate.name() === name || candidate.aliases().includes(name),
      );
      if (asked) asked.help();
      const meant = meantOf(
        name,
        known.map((candidate) => candidate.name()),
      );
      command.error(`error: unknown command '${name}'${meant ? `\n(Did you mean ${meant}?)` : ''}`, {
        code: 'commander.unknownCommand',
        exitCode: 2,
      });
    });
}
