// `everlock init [DIR]`: creates the config repo and data layout (SPEC §1); safe to run again.
import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { UserError } from '../errors.js';

export default class Init extends BaseCommand {
  static override description = 'Create the config repo (git) and data layout; running it again only adds what is missing';

  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init /srv/everlock',
    '<%= config.bin %> init --config /etc/everlock --data /var/lib/everlock',
  ];

  static override args = {
    dir: Args.string({ description: 'home directory (default ./everlock-mail, or --home / EVERLOCK_HOME)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    const paths = this.paths({ ...flags, home: args.dir ?? flags.home });
    const { stat } = await import('node:fs/promises');
    for (const dir of new Set([paths.config, paths.data])) {
      const st = await stat(dir).catch(() => undefined);
      if (st && !st.isDirectory()) throw new UserError(`${dir} exists and is not a directory`);
    }
    const { initHome } = await import('../config/init.js');
    await initHome(paths);
    const where = paths.config === paths.data ? paths.config : `config ${paths.config}, data ${paths.data}`;
    this.log(`everlock home ready: ${where}`);
    this.log('next: everlock mail domains create <domain>; everlock users add <login>');
  }
}
