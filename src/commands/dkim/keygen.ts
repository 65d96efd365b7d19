// `everlock dkim keygen <domain> [--selector s] [--algo ed25519|rsa]`: a new key for one selector, used for
// signing from now on.
import { Args, Flags } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../cli/base-command.js';

export default class DkimKeygen extends BaseCommand {
  static override description = "Generate a DKIM key (keys/dkim/<domain>/<selector>.pem, mode 0600) and sign the domain's mail with it";

  static override examples = [
    '<%= config.bin %> dkim keygen example.com',
    '<%= config.bin %> dkim keygen example.com --algo rsa --selector mail2026',
    '<%= config.bin %> dkim keygen example.com --selector default --force   # replace the key',
  ];

  static override args = {
    domain: Args.string({ description: 'the domain', required: true }),
  };

  static override flags = {
    ...commitFlags,
    selector: Flags.string({ char: 's', description: "selector (default: the domain's current selector for the algorithm)" }),
    algo: Flags.string({ description: 'key algorithm', options: ['ed25519', 'rsa'], default: 'ed25519' }),
    force: Flags.boolean({ description: 'replace an existing key for the selector', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DkimKeygen);
    const { domainArg } = await import('../../domains/args.js');
    const { keygen } = await import('../../dkim/manage.js');
    const name = domainArg(args.domain);
    const { key, value } = await keygen(this.paths(flags), name, {
      type: flags.algo === 'rsa' ? 'rsa' : 'ed25519',
      selector: flags.selector?.trim(),
      force: flags.force,
      commit: !flags['no-commit'],
    });
    this.log(`DKIM ${key.type} key for ${name}, selector ${key.selector}: ${key.file}`);
    this.log(`publish: ${key.selector}._domainkey.${name}. TXT "${value}"`);
  }
}
