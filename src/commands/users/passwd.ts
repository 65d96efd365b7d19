// `everlock users passwd <login>`: replaces a user's password hash.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';
import { passwordFlags } from './_password.js';

export default class UsersPasswd extends BaseCommand {
  static override description = "Set a user's password (prompt with confirmation on a terminal, one stdin line otherwise)";

  static override examples = ['<%= config.bin %> users passwd alice', 'printf "%s\\n" "$PW" | <%= config.bin %> users passwd alice --password-stdin'];

  static override args = {
    login: Args.string({ description: 'the login (users/<login>.toml)', required: true }),
  };

  static override flags = { ...passwordFlags, ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersPasswd);
    const paths = this.paths(flags);
    const { obtainPassword } = await import('./_password.js');
    const { setPassword, checkUserExists } = await import('../../config/users.js');
    await checkUserExists(paths, args.login);
    const password = await obtainPassword(flags, false);
    await setPassword(paths, args.login, password ?? '', { commit: !flags['no-commit'] });
    this.log(`password of ${args.login} changed`);
  }
}
