// `everlock mail domains set <domain> key=value…`: Everlock's switches for a domain's settings.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class DomainsSet extends BaseCommand {
  static override summary = "Change a domain's settings with key=value pairs";

  static override description = `Keys (an empty value clears an optional setting):
  submission=on|off    authenticated submission for the domain
  auth=on|off          require authentication (off = "none")
  dkim=on|off          DKIM signing (on generates missing keys)
  hostname=HOST        EHLO / Message-ID host (empty: mail.<domain>)
  catch_all=TARGET     where unknown local parts go (empty: reject)
  relay=URL            smarthost smtp://user:pass@host:587
  tls_verify=on|off    verify the smarthost's certificate (empty: on)
  mx_override=H:P,...  deliver to these hosts instead of the MX
  reject_dmarc=on|off  reject mail failing DMARC p=reject
  dkim_published=S,... selectors kept in DNS after a rotation
  enabled=on|off       the domain as a whole`;

  static override examples = [
    '<%= config.bin %> mail domains set example.com submission=on auth=on',
    '<%= config.bin %> mail domains set example.com dkim=off',
    '<%= config.bin %> mail domains set example.com hostname=mail.example.com catch_all=alice',
    '<%= config.bin %> mail domains set example.com relay=smtp://user:secret@smtp.provider.example:587',
  ];

  static override strict = false;

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
    setting: Args.string({ description: 'key=value pairs (see below)' }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags, argv } = await this.parse(DomainsSet);
    const { domainArg } = await import('../../../domains/args.js');
    const { setDomain } = await import('../../../domains/domains.js');
    const name = domainArg(args.domain);
    const pairs = (argv as string[]).slice(1);
    const { domain, keys } = await setDomain(this.paths(flags), name, pairs, { commit: !flags['no-commit'] });
    this.log(`updated ${name}: ${pairs.join(' ')}`);
    for (const k of keys) if (k.created) this.log(`  generated DKIM ${k.type} key, selector ${k.selector}: ${k.file}`);
    if (keys.some((k) => k.created)) this.log(`  publish it: everlock dkim show ${domain.name}`);
  }
}
