// `everlock queue list`: the outbound queue as the worker sees it (files under <data>/queue).
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class QueueList extends BaseCommand {
  static override description = 'List the outbound queue: id, age, next attempt, sender and recipients with their state';

  static override examples = ['<%= config.bin %> queue list', '<%= config.bin %> queue list --json'];

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueList);
    const [{ QueueFiles }, { dataFiles }] = await Promise.all([import('../../server/queue/files.js'), import('../../config/paths.js')]);
    const entries = await new QueueFiles(dataFiles.queue(this.paths(flags))).list();
    if (flags.json) {
      this.log(JSON.stringify(entries, null, 2));
      return;
    }
    if (!entries.length) {
      this.log('queue is empty');
      return;
    }
    const now = Date.now();
    for (const e of entries) {
      const next = e.inflight ? 'sending now' : e.nextAttempt <= now ? 'due' : `next try in ${Math.ceil((e.nextAttempt - now) / 1000)}s`;
      this.log(`${e.id}  ${e.size} bytes  ${Math.round((now - e.created) / 1000)}s old  ${e.attempts} attempt(s)  ${next}`);
      this.log(`  from <${e.from}>`);
      for (const r of e.recipients) this.log(`  to <${r.address}>  ${r.state}${r.lastError ? `  (${r.lastError})` : ''}`);
    }
  }
}
