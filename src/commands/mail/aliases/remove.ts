// `everlock mail aliases remove <address> [target…]`: the whole alias, or only the named targets.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class AliasesRemove extends BaseCommand {
  static override description = 'Remove an alias, or only some of its targets';

  static override examples = ['<%= config.bin %> mail aliases remove sales@example.com', '<%= config.bin %> mail aliases remove sales@example.com bob@example.org'];

  static override strict = false;

  static override args = {
    address: Args.string({ description: 'the alias address', required: true }),
    target: Args.string({ description: 'targets to remove (default: the whole alias)' }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags, argv } = await this.parse(AliasesRemove);
    const { addressArg } = await import('../../../domains/args.js');
    const { removeAlias } = await import('../../../domains/aliases.js');
    const address = addressArg(args.address);
    const entry = await removeAlias(this.paths(flags), address, (argv as string[]).slice(1), { commit: !flags['no-commit'] });
    this.log(entry.targets.length === 0 ? `removed alias ${address}` : `${address} -> ${entry.targets.join(', ')}`);
  }
}
