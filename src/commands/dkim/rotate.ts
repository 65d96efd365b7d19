// `everlock dkim rotate <domain>`: new Ed25519 and RSA selectors named after today's date; the old ones stay
// published until removed.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';

export default class DkimRotate extends BaseCommand {
  static override description = 'Rotate DKIM keys: new selectors <yyyymmdd> and <yyyymmdd>-rsa sign from now on; the old selectors stay published';

  static override examples = [
    '<%= config.bin %> dkim rotate example.com',
    '<%= config.bin %> mail domains set example.com dkim_published=   # later: stop publishing the old selectors',
  ];

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DkimRotate);
    const { domainArg } = await import('../../domains/args.js');
    const { rotate, selectorInfo } = await import('../../dkim/manage.js');
    const name = domainArg(args.domain);
    const paths = this.paths(flags);
    const { domain, retired } = await rotate(paths, name, { commit: !flags['no-commit'] });
    this.log(`${name} now signs with ${domain.outbound.dkim.selector} (ed25519) and ${domain.outbound.dkim.rsaSelector} (rsa)`);
    if (retired.length > 0) this.log(`still published: ${retired.join(', ')} (drop later: everlock mail domains set ${name} dkim_published=)`);
    this.log('publish these records before the old ones are dropped:');
    for (const s of await selectorInfo(paths, domain)) {
      if (s.value !== undefined && (s.selector === domain.outbound.dkim.selector || s.selector === domain.outbound.dkim.rsaSelector)) {
        this.log(`${s.name}. TXT "${s.value}"`);
      }
    }
  }
}
