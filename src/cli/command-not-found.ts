// oclif's command_not_found hook: words that name no command get one `error:` line in the style of every other
// CLI error (exit 2), with the likely meaning: a typo'd word ("did you mean"), or an extra argument after a
// command that takes none (oclif reads `mail domains list extra` as a command id).
import type { Hook } from '@oclif/core';
import { didYouMean } from '../config/did-you-mean.js';

/** What to tell the user about `words`, given the command ids (space-separated words). */
export function notFoundMessage(words: readonly string[], commands: readonly string[]): string {
  const known = new Set(commands);
  for (let n = words.length - 1; n > 0; n--) {
    const prefix = words.slice(0, n).join(' ');
    if (known.has(prefix)) return `everlock ${prefix}: unexpected argument "${words[n]}"`;
  }
  // The first word that is not a known topic or command at its position.
  for (let n = 1; n <= words.length; n++) {
    const prefix = words.slice(0, n).join(' ');
    if (commands.some((c) => c === prefix || c.startsWith(`${prefix} `))) continue;
    const parent = words.slice(0, n - 1).join(' ');
    const options = [...new Set(commands.filter((c) => parent === '' || c.startsWith(`${parent} `)).map((c) => c.split(' ')[n - 1]).filter((w): w is string => w !== undefined))];
    const hint = didYouMean(words[n - 1] ?? '', options);
    return `unknown command "everlock ${words.join(' ')}"${hint ? ` (did you mean "${[...words.slice(0, n - 1), hint].join(' ')}"?)` : ''}`;
  }
  return `unknown command "everlock ${words.join(' ')}"`;
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const commands = opts.config.commandIDs.map((id) => id.replaceAll(':', ' '));
  process.stderr.write(`error: ${notFoundMessage(opts.id.split(':'), commands)}\nSee more help with --help\n`);
  this.exit(2);
};

export default hook;
