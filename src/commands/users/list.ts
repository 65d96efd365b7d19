// `everlock users list`: every user with their addresses (the first is the mailbox) and grants.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class UsersList extends BaseCommand {
  static override description = 'List users, their addresses (first = mailbox) and grants';

  static override examples = ['<%= config.bin %> users list', '<%= config.bin %> users list --json'];

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(UsersList);
    const { loadConfig } = await import('../../config/load.js');
    const snap = await loadConfig(this.paths(flags));
    const users = [...snap.users.values()].map((u) => ({
      login: u.login,
      addresses: [...u.addresses],
      grants: u.grants.map((g) => ({ path: g.path, role: g.role })),
      hasPassword: u.password !== undefined,
      quotaBytes: u.quotaBytes,
    }));
    if (flags.json) {
      this.log(JSON.stringify(users, null, 2));
      return;
    }
    if (users.length === 0) {
      this.log('no users (everlock users add <login>)');
      return;
    }
    for (const u of users) {
      const extra = [u.hasPassword ? '' : 'no password', u.grants.length ? `${u.grants.length} grant${u.grants.length > 1 ? 's' : ''}` : ''].filter(Boolean);
      this.log(`${u.login}\t${u.addresses.join(', ') || '(no mailbox)'}${extra.length ? `\t(${extra.join('; ')})` : ''}`);
    }
  }
}
