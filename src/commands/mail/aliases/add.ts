// `everlock mail aliases add <address> <target…>`: an alias or list in the domain file's [aliases] table.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class AliasesAdd extends BaseCommand {
  static override description = 'Add an alias (or more targets to an existing one); targets are local parts, logins or addresses';

  static override examples = [
    '<%= config.bin %> mail aliases add postmaster@example.com alice',
    '<%= config.bin %> mail aliases add sales@example.com alice bob@example.org',
  ];

  static override strict = false;

  static override args = {
    address: Args.string({ description: 'the alias address, e.g. sales@example.com', required: true }),
    target: Args.string({ description: 'one or more targets', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags, argv } = await this.parse(AliasesAdd);
    const { addressArg } = await import('../../../domains/args.js');
    const { addAlias } = await import('../../../domains/aliases.js');
    const address = addressArg(args.address);
    const entry = await addAlias(this.paths(flags), address, (argv as string[]).slice(1), { commit: !flags['no-commit'] });
    this.log(`${entry.address} -> ${entry.targets.join(', ')}`);
  }
}
