// `everlock queue remove <id>`: deletes an entry without a DSN (the admin decided).
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UserError } from '../../errors.js';

export default class QueueRemove extends BaseCommand {
  static override description = 'Remove a queue entry (no DSN is sent)';

  static override examples = ['<%= config.bin %> queue remove 0MHJ3K2A1B2C3D4E5F6'];

  static override args = {
    id: Args.string({ description: 'queue id (from queue list)', required: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueRemove);
    const [{ QueueFiles }, { dataFiles }, { StoreError }] = await Promise.all([import('../../server/queue/files.js'), import('../../config/paths.js'), import('../../errors.js')]);
    const files = new QueueFiles(dataFiles.queue(this.paths(flags)));
    let removed: boolean;
    try {
      removed = await files.remove(args.id);
    } catch (err) {
      if (err instanceof StoreError) throw new UserError(err.message);
      throw err;
    }
    if (!removed) throw new UserError(`no queue entry ${args.id}`);
    this.log(`removed ${args.id}`);
  }
}
