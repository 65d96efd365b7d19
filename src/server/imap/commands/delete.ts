// RFC 9051 §6.3.5 DELETE mailbox
import { no, ok } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import { AUTH, type CommandSpec } from './types.js';

export const del: CommandSpec = {
  name: 'DELETE',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const name = p.mailbox();
    p.end();
    if (name === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    const target = resolveFolder(session.user(), name);
    if (target.readOnly) return no('Permission denied', 'NOPERM');
    if (target.folder === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    await target.mailbox.deleteFolder(target.folder);
    return ok('DELETE completed');
  },
};
