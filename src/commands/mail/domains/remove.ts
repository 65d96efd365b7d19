// `everlock mail domains remove <domain>`: deletes domains/<domain>.toml; mail and DKIM keys stay in the data dir.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class DomainsRemove extends BaseCommand {
  static override description = 'Remove a mail domain (its mail and DKIM keys are kept in the data dir)';

  static override examples = ['<%= config.bin %> mail domains remove example.org'];

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DomainsRemove);
    const { domainArg } = await import('../../../domains/args.js');
    const { removeDomain } = await import('../../../domains/domains.js');
    const name = domainArg(args.domain);
    await removeDomain(this.paths(flags), name, { commit: !flags['no-commit'] });
    this.log(`removed domain ${name} (mail under mail/${name}/ and keys under keys/dkim/${name}/ are kept)`);
  }
}
