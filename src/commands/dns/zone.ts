// `everlock dns zone <domain>`: every DNS record the domain needs (SPEC §7), as a BIND fragment or JSON.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class DnsZone extends BaseCommand {
  static override description = 'Print the DNS records a domain needs: MX, A/AAAA, SPF, DKIM, DMARC, SRV (RFC 6186/8314), autoconfig';

  static override examples = [
    '<%= config.bin %> dns zone example.com --ip 192.0.2.10 --ip6 2001:db8::10',
    '<%= config.bin %> dns zone example.com --format json',
  ];

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
  };

  static override flags = {
    ip: Flags.string({ description: "the mail host's IPv4 address (adds its A record)" }),
    ip6: Flags.string({ description: "the mail host's IPv6 address (adds its AAAA record)" }),
    format: Flags.string({ description: 'output format', options: ['bind', 'json'], default: 'bind' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DnsZone);
    const { domainArg } = await import('../../domains/args.js');
    const { loadConfig } = await import('../../config/load.js');
    const { requireDomain } = await import('../../domains/domains.js');
    const { zoneInputFor } = await import('../../dns/zone-input.js');
    const { zoneRecords, formatBind, formatJson } = await import('../../dns/zone.js');
    const paths = this.paths(flags);
    const snap = await loadConfig(paths);
    const domain = requireDomain(snap, domainArg(args.domain));
    const { input, warnings } = await zoneInputFor(paths, snap, domain, { ip: flags.ip?.trim(), ip6: flags.ip6?.trim() });
    const records = zoneRecords(input);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (flags.format === 'json') this.log(formatJson(records));
    else process.stdout.write(`; DNS records for ${domain.name} (everlock dns zone)\n${formatBind(records)}`);
  }
}
