// `everlock mail domains list`: every domain with its outbound host name, submission and DKIM state.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.js';

export default class DomainsList extends BaseCommand {
  static override description = 'List mail domains';

  static override examples = ['<%= config.bin %> mail domains list', '<%= config.bin %> mail domains list --json'];

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DomainsList);
    const { loadConfig } = await import('../../../config/load.js');
    const snap = await loadConfig(this.paths(flags));
    const domains = [...snap.domains.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => ({
        name: d.name,
        enabled: d.enabled,
        hostname: d.outbound.hostname,
        submission: d.submission.enabled,
        auth: d.submission.auth,
        dkim: { enabled: d.outbound.dkim.enabled, selector: d.outbound.dkim.selector, rsaSelector: d.outbound.dkim.rsaSelector, published: [...d.outbound.dkim.published] },
        relay: d.outbound.relay !== undefined,
        mxOverride: [...d.mxOverride],
        rejectDmarcFailures: d.inbound.rejectDmarcFailures,
        aliases: d.aliases.size,
        catchAll: d.catchAll ?? null,
      }));
    if (flags.json) {
      this.log(JSON.stringify(domains, null, 2));
      return;
    }
    if (domains.length === 0) {
      this.log('no domains (everlock mail domains create <domain>)');
      return;
    }
    for (const d of domains) {
      const bits = [
        d.enabled ? 'enabled' : 'disabled',
        `hostname=${d.hostname}`,
        `submission=${d.submission ? 'on' : 'off'}`,
        `auth=${d.auth === 'authenticated' ? 'on' : 'off'}`,
        `dkim=${d.dkim.enabled ? `on (${d.dkim.selector}, ${d.dkim.rsaSelector})` : 'off'}`,
        d.aliases ? `${d.aliases} alias${d.aliases > 1 ? 'es' : ''}` : '',
        d.catchAll ? `catch_all=${d.catchAll}` : '',
        d.relay ? 'relay' : '',
        d.mxOverride.length ? `mx_override=${d.mxOverride.join(',')}` : '',
      ].filter(Boolean);
      this.log(`${d.name}\t${bits.join('  ')}`);
    }
  }
}
