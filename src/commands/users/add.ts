// `everlock users add <login>`: creates users/<login>.toml with a scrypt hash and prints the addresses the
// user now owns (the first one is their mailbox).
import { Args, Flags } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';
import { passwordFlags } from './_password.js';

export default class UsersAdd extends BaseCommand {
  static override description = 'Create a user; the password comes from --password-stdin, a prompt on a terminal, or a stdin line';

  static override examples = [
    'printf "%s\\n" "$PW" | <%= config.bin %> users add alice --password-stdin',
    '<%= config.bin %> users add alice        # prompts twice on a terminal',
    '<%= config.bin %> users add bob --address bob@example.com --address b.smith@example.com',
  ];

  static override args = {
    login: Args.string({ description: 'login: a name (owns <login>@<every domain>) or a full address', required: true }),
  };

  static override flags = {
    ...passwordFlags,
    ...commitFlags,
    address: Flags.string({ char: 'a', description: 'an address the user owns (repeatable); the first is the mailbox', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersAdd);
    const paths = this.paths(flags);
    const { obtainPassword } = await import('./_password.js');
    const { addUser } = await import('../../config/users.js');
    const login = args.login.trim();
    const password = await obtainPassword(flags, true);
    const user = await addUser(paths, login, { password, addresses: flags.address, commit: !flags['no-commit'] });
    this.log(`created user ${user.login}`);
    for (const a of user.addresses) this.log(`  ${a}`);
    if (user.addresses.length === 0) process.stderr.write(`warning: ${user.login} has no mailbox yet: create a domain (everlock mail domains create <domain>)\n`);
    if (password === undefined) process.stderr.write(`warning: ${user.login} has no password and cannot log in: everlock users passwd ${user.login}\n`);
  }
}
