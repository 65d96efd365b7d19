// `everlock users grants <login>`: a user's grants.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class UsersGrants extends BaseCommand {
  static override description = "List a user's grants";

  static override examples = ['<%= config.bin %> users grants alice', '<%= config.bin %> users grants alice --json'];

  static override args = {
    login: Args.string({ description: 'the login', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(UsersGrants);
    const { listGrants } = await import('../../config/users.js');
    const grants = await listGrants(this.paths(flags), args.login);
    if (flags.json) {
      this.log(JSON.stringify(grants.map((g) => ({ path: g.path, role: g.role })), null, 2));
      return;
    }
    if (grants.length === 0) this.log(`${args.login} has no grants`);
    for (const g of grants) this.log(`${g.path}\t${g.role}`);
  }
}
