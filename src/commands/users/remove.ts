// `everlock users remove <login>`: deletes users/<login>.toml. The Maildir stays on disk (delete it by hand).
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';

export default class UsersRemove extends BaseCommand {
  static override description = 'Remove a user (their mail stays on disk); refused while an alias still delivers to them';

  static override examples = ['<%= config.bin %> users remove bob'];

  static override args = {
    login: Args.string({ description: 'the login', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersRemove);
    const { removeUser } = await import('../../config/users.js');
    await removeUser(this.paths(flags), args.login, { commit: !flags['no-commit'] });
    this.log(`removed user ${args.login}`);
  }
}
