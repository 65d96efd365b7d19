// `everlock queue retry [id]`: makes entries due now; the running server's worker picks them up at its next scan.
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UserError } from '../../errors.js';

export default class QueueRetry extends BaseCommand {
  static override description = 'Retry queue entries now (one, or all when no id is given)';

  static override examples = ['<%= config.bin %> queue retry', '<%= config.bin %> queue retry 0MHJ3K2A1B2C3D4E5F6'];

  static override args = {
    id: Args.string({ description: 'queue id (from queue list)', required: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueRetry);
    const [{ QueueFiles }, { dataFiles }] = await Promise.all([import('../../server/queue/files.js'), import('../../config/paths.js')]);
    const files = new QueueFiles(dataFiles.queue(this.paths(flags)));
    const ids = args.id ? [args.id] : await files.ids();
    let n = 0;
    for (const id of ids) {
      const env = await files.read(id).catch(() => {
        throw new UserError(`invalid queue id: ${id}`);
      });
      if (!env) {
        if (args.id) throw new UserError(`no queue entry ${id}`);
        continue;
      }
      if (env.inflight) continue;
      env.nextAttempt = Date.now();
      await files.write(env);
      n++;
    }
    this.log(`${n} entr${n === 1 ? 'y' : 'ies'} scheduled for immediate retry`);
  }
}
