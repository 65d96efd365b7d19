// `everlock mail aliases list [domain]`: aliases and catch-alls, one per line.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.js';

export default class AliasesList extends BaseCommand {
  static override description = 'List aliases (and catch-alls, shown as *@domain)';

  static override examples = ['<%= config.bin %> mail aliases list', '<%= config.bin %> mail aliases list example.com --json'];

  static override args = {
    domain: Args.string({ description: 'only this domain' }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AliasesList);
    const { domainArg } = await import('../../../domains/args.js');
    const { listAliases } = await import('../../../domains/aliases.js');
    const entries = await listAliases(this.paths(flags), args.domain === undefined ? undefined : domainArg(args.domain));
    if (flags.json) {
      this.log(JSON.stringify(entries, null, 2));
      return;
    }
    if (entries.length === 0) {
      this.log('no aliases (everlock mail aliases add <address> <target…>)');
      return;
    }
    for (const e of entries) this.log(`${e.address} -> ${e.targets.join(', ')}`);
  }
}
