// `everlock users grant <login> <path> <role>`: Everlock-style access grants (send-as and shared mailboxes).
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';

export default class UsersGrant extends BaseCommand {
  static override description = 'Grant a user a role on a path: smtp/mail/<domain>[:<local>] (send as) or imap/mail/<domain>:<local> (open a mailbox)';

  static override examples = [
    '<%= config.bin %> users grant alice smtp/mail/example.com:alice writer   # send as alice@example.com',
    '<%= config.bin %> users grant alice smtp/mail/example.com writer         # send as any address of the domain',
    '<%= config.bin %> users grant bob imap/mail/example.com:support reader   # read the shared support mailbox',
  ];

  static override args = {
    login: Args.string({ description: 'the login', required: true }),
    path: Args.string({ description: 'smtp/mail/<domain>[:<local>] or imap/mail/<domain>:<local>', required: true }),
    role: Args.string({ description: 'reader, writer or owner', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersGrant);
    const { grant } = await import('../../config/users.js');
    await grant(this.paths(flags), args.login, args.path, args.role, { commit: !flags['no-commit'] });
    this.log(`granted ${args.login} ${args.role} on ${args.path}`);
  }
}
