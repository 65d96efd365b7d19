// `everlock dkim show <domain>`: every published selector with its DNS TXT record.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class DkimShow extends BaseCommand {
  static override description = 'Show the DKIM selectors of a domain and the TXT records to publish';

  static override examples = ['<%= config.bin %> dkim show example.com', '<%= config.bin %> dkim show example.com --json'];

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DkimShow);
    const { domainArg } = await import('../../domains/args.js');
    const { loadConfig } = await import('../../config/load.js');
    const { requireDomain } = await import('../../domains/domains.js');
    const { selectorInfo } = await import('../../dkim/manage.js');
    const paths = this.paths(flags);
    const domain = requireDomain(await loadConfig(paths), domainArg(args.domain));
    const info = await selectorInfo(paths, domain);
    if (flags.json) {
      this.log(JSON.stringify({ domain: domain.name, enabled: domain.outbound.dkim.enabled, selectors: info }, null, 2));
      return;
    }
    this.log(`${domain.name}: DKIM signing ${domain.outbound.dkim.enabled ? 'on' : 'off'}`);
    for (const s of info) {
      if (s.value === undefined) {
        this.log(`; ${s.selector} (${s.role}): no key at ${s.file} (everlock dkim keygen ${domain.name} --selector ${s.selector})`);
        continue;
      }
      this.log(`; ${s.selector} (${s.role}, ${s.type})`);
      this.log(`${s.name}. TXT "${s.value}"`);
    }
  }
}
