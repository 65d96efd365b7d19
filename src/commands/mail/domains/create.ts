// `everlock mail domains create <domain>`: writes domains/<domain>.toml (SPEC §3) and, unless --no-dkim,
// generates an Ed25519 and an RSA-2048 DKIM key in the data dir.
import { Args, Flags } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class DomainsCreate extends BaseCommand {
  static override description = 'Create a mail domain (domains/<domain>.toml) with Ed25519 and RSA DKIM keys';

  static override examples = [
    '<%= config.bin %> mail domains create example.com',
    '<%= config.bin %> mail domains create example.org --no-dkim --hostname mx.example.org',
  ];

  static override args = {
    domain: Args.string({ description: 'the domain name, e.g. example.com', required: true }),
  };

  static override flags = {
    ...commitFlags,
    'no-dkim': Flags.boolean({ description: 'do not generate DKIM keys (signing stays off)', default: false }),
    hostname: Flags.string({ description: 'outbound host name (EHLO, Message-ID, MX target); default mail.<domain>' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DomainsCreate);
    const { domainArg } = await import('../../../domains/args.js');
    const { createDomain } = await import('../../../domains/domains.js');
    const name = domainArg(args.domain);
    const { domain, keys } = await createDomain(this.paths(flags), name, {
      dkim: !flags['no-dkim'],
      hostname: flags.hostname?.trim().toLowerCase(),
      commit: !flags['no-commit'],
    });
    this.log(`created domain ${name} (domains/${name}.toml), outbound hostname ${domain.outbound.hostname}`);
    for (const k of keys) this.log(`  DKIM ${k.type} key, selector ${k.selector}: ${k.file}${k.created ? '' : ' (existing key kept)'}`);
    if (keys.length === 0) this.log('  DKIM signing is off (everlock mail domains set ' + name + ' dkim=on)');
    this.log(`next: everlock dns zone ${name} --ip <server IPv4>   (the DNS records to publish)`);
  }
}
