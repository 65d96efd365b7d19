// RFC 9051 §6.3.4 CREATE mailbox [SP "(" "USE" SP "(" use-attr *(SP use-attr) ")" ")"]  (RFC 6154 §3)
import type { SpecialUse } from '../../../maildir/types.js';
import { no, ok } from '../errors.js';
import { resolveFolder, SEPARATOR } from '../namespaces.js';
import { AUTH, type CommandSpec } from './types.js';

const USES = new Map<string, SpecialUse>(
  (['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged'] as const).map((u) => [u.toUpperCase(), u]),
);

export const create: CommandSpec = {
  name: 'CREATE',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    let name = p.mailbox();
    let uses: (SpecialUse | undefined)[] = [];
    if (p.trySp()) {
      p.list(() => {
        if (p.keyword() !== 'USE') p.fail('Unknown CREATE parameter');
        p.sp();
        uses = p.list(() => {
          p.char('\\');
          return USES.get('\\' + p.keyword());
        }, false);
      }, false);
    }
    p.end();
    // use-attr-ext is valid syntax: an attribute we do not know, or more than one, is refused with USEATTR
    // and nothing is created (RFC 6154 §3).
    if (uses.some((u) => u === undefined)) return no('Unknown special-use attribute', 'USEATTR');
    if (uses.length > 1) return no('Only one special-use attribute per mailbox', 'USEATTR');
    const use = uses[0];
    // A trailing separator only says the client means to create children under it (RFC 9051 §6.3.4).
    if (name.endsWith(SEPARATOR)) name = name.slice(0, -1);
    if (name === 'INBOX') return no('INBOX already exists', 'ALREADYEXISTS');
    const target = resolveFolder(session.user(), name);
    if (target.readOnly) return no('Permission denied', 'NOPERM');
    if (use && target.mailbox !== session.user().personal) return no('Special-use folders only in the personal namespace', 'CANNOT');
    if (use) {
      const taken = (await target.mailbox.listFolders()).some((f) => f.specialUse === use);
      if (taken) return no(`A folder with ${use} already exists`, 'USEATTR');
    }
    await target.mailbox.createFolder(target.folder, use);
    return ok('CREATE completed');
  },
};
