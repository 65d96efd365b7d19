// `everlock users password <address>`: Everlock's form of passwd, naming the user by an address they own.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';
import { passwordFlags } from './_password.js';

export default class UsersPassword extends BaseCommand {
  static override description = 'Set the password of the user who owns an address';

  static override examples = ['<%= config.bin %> users password alice@example.com', 'printf "%s\\n" "$PW" | <%= config.bin %> users password alice@example.com --password-stdin'];

  static override args = {
    address: Args.string({ description: 'an address the user owns (or their login)', required: true }),
  };

  static override flags = { ...passwordFlags, ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersPassword);
    const paths = this.paths(flags);
    const { obtainPassword } = await import('./_password.js');
    const { setPassword, loginForAddress } = await import('../../config/users.js');
    const login = await loginForAddress(paths, args.address);
    const password = await obtainPassword(flags, false);
    await setPassword(paths, login, password ?? '', { commit: !flags['no-commit'] });
    this.log(`password of ${login} (${args.address.trim().toLowerCase()}) changed`);
  }
}
