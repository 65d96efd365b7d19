// `everlock mail mailboxes list <domain> [local]`: the Maildirs of a domain on disk, with each folder's
// message count, unseen count and size. Reads through the store, so the numbers are the ones IMAP reports.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.js';
import { UserError } from '../../../errors.js';

interface FolderRow {
  folder: string;
  specialUse: string | null;
  messages: number;
  unseen: number;
  bytes: number;
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export default class MailboxesList extends BaseCommand {
  static override description = 'List the mailboxes of a domain with their folders, message counts and sizes';

  static override examples = [
    '<%= config.bin %> mail mailboxes list example.com',
    '<%= config.bin %> mail mailboxes list example.com alice',
    '<%= config.bin %> mail mailboxes list example.com --json',
  ];

  static override args = {
    domain: Args.string({ description: 'mail domain', required: true }),
    local: Args.string({ description: 'local part of one mailbox', required: false }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MailboxesList);
    const domain = args.domain.toLowerCase();
    const [{ openMailStore }, { dataFiles }] = await Promise.all([import('../../../maildir/index.js'), import('../../../config/paths.js')]);
    const store = openMailStore({ root: dataFiles.mailRoot(this.paths(flags)), watch: false });
    try {
      let addresses = await store.listMailboxes(domain);
      if (args.local !== undefined) {
        addresses = addresses.filter((a) => a.local === args.local);
        if (addresses.length === 0) throw new UserError(`no mailbox ${args.local}@${domain}`);
      }
      const result: Array<{ address: string; folders: FolderRow[] }> = [];
      for (const address of addresses) {
        const mb = await store.mailbox(address, { create: false });
        const folders: FolderRow[] = [];
        for (const f of await mb.listFolders()) {
          const st = await mb.status(f.name);
          folders.push({ folder: f.name, specialUse: f.specialUse ?? null, messages: st.messages, unseen: st.unseen, bytes: st.size });
        }
        result.push({ address: `${address.local}@${address.domain}`, folders });
      }
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
        return;
      }
      if (result.length === 0) {
        this.log(`no mailboxes for ${domain}`);
        return;
      }
      for (const mb of result) {
        const total = mb.folders.reduce((s, f) => s + f.bytes, 0);
        const count = mb.folders.reduce((s, f) => s + f.messages, 0);
        this.log(`${mb.address}\t${count} messages\t${human(total)}`);
        const width = Math.max(...mb.folders.map((f) => f.folder.length));
        for (const f of mb.folders) {
          this.log(`  ${f.folder.padEnd(width)}  ${String(f.messages).padStart(7)} msgs  ${String(f.unseen).padStart(6)} unseen  ${human(f.bytes).padStart(9)}${f.specialUse ? `  ${f.specialUse}` : ''}`);
        }
      }
    } finally {
      await store.close();
    }
  }
}
