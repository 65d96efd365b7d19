// `everlock users revoke <login> <path>`: removes one grant.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';

export default class UsersRevoke extends BaseCommand {
  static override description = 'Remove a grant from a user';

  static override examples = ['<%= config.bin %> users revoke alice smtp/mail/example.com:alice'];

  static override args = {
    login: Args.string({ description: 'the login', required: true }),
    path: Args.string({ description: 'the grant path as listed by users grants', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersRevoke);
    const { revoke } = await import('../../config/users.js');
    await revoke(this.paths(flags), args.login, args.path, { commit: !flags['no-commit'] });
    this.log(`revoked ${args.path} from ${args.login}`);
  }
}
