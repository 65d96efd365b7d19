// RFC 9051 §6.3.6 RENAME existing-mailbox-name new-mailbox-name
import { no, ok } from '../errors.js';
import { resolveFolder, SEPARATOR } from '../namespaces.js';
import { AUTH, type CommandSpec } from './types.js';

export const rename: CommandSpec = {
  name: 'RENAME',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const from = p.mailbox();
    p.sp();
    let to = p.mailbox();
    p.end();
    if (to.endsWith(SEPARATOR)) to = to.slice(0, -1);
    const user = session.user();
    const a = resolveFolder(user, from);
    const b = resolveFolder(user, to);
    if (a.mailbox !== b.mailbox) return no('Cannot rename across namespaces', 'CANNOT');
    if (a.readOnly) return no('Permission denied', 'NOPERM');
    if (b.folder === 'INBOX') return no('Mailbox already exists', 'ALREADYEXISTS');
    await a.mailbox.renameFolder(a.folder, b.folder);
    return ok('RENAME completed');
  },
};
