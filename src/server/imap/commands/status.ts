// RFC 9051 §6.3.11 STATUS mailbox SP "(" status-att *(SP status-att) ")"
// status-att: MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT SIZE (RFC 8438) HIGHESTMODSEQ (RFC 7162) DELETED (RFC 9051)
// APPENDLIMIT (RFC 7889 §3.2: the per-mailbox limit; ours is the global one)
import { ok } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import type { Parser } from '../protocol/parser.js';
import { atom, MailboxName, type Value } from '../protocol/values.js';
import type { Session } from '../session/session.js';
import { activateCondstore } from './condstore.js';
import { AUTH, type CommandSpec } from './types.js';

const ATTS = new Set(['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'RECENT', 'SIZE', 'HIGHESTMODSEQ', 'DELETED', 'APPENDLIMIT']);

export function statusAttributes(p: Parser): string[] {
  return p.list(() => {
    const a = p.keyword();
    if (!ATTS.has(a)) p.fail(`Unknown status attribute ${a}`);
    return a;
  }, false);
}

/**
 * \Recent this session holds in the mailbox when it has it selected: the messages it took are \Recent for
 * it, and STATUS counts them as Dovecot does (the store counts only what no session has taken yet).
 */
async function heldRecent(session: Session, target: ReturnType<typeof resolveFolder>): Promise<number> {
  // A read-only session took nothing: what it sees as \Recent is still in the store's count.
  if (session.state.kind !== 'selected' || session.state.view.readOnly || session.state.view.recent.size === 0) return 0;
  const view = session.state.view;
  const folder = await target.mailbox.openFolder(target.folder);
  folder.release();
  return folder === view.folder ? view.recent.size : 0;
}

/** The `* STATUS` response for one mailbox. */
export async function statusResponse(session: Session, name: string, atts: readonly string[]): Promise<Value[]> {
  const target = resolveFolder(session.user(), name);
  const s = await target.mailbox.status(target.folder);
  const values: Value[] = [];
  for (const a of atts) {
    values.push(atom(a));
    switch (a) {
      case 'MESSAGES':
        values.push(s.messages);
        break;
      case 'UIDNEXT':
        values.push(s.uidNext);
        break;
      case 'UIDVALIDITY':
        values.push(s.uidValidity);
        break;
      case 'UNSEEN':
        values.push(s.unseen);
        break;
      case 'RECENT':
        values.push(s.recent + (await heldRecent(session, target)));
        break;
      case 'SIZE':
        values.push(s.size);
        break;
      case 'HIGHESTMODSEQ':
        values.push(s.highestModSeq);
        break;
      case 'APPENDLIMIT':
        values.push(session.opts.limits.maxMessageBytes);
        break;
      case 'DELETED': {
        const folder = await target.mailbox.openFolder(target.folder);
        try {
          values.push((await folder.sync()).messages.filter((m) => m.flags.includes('\\Deleted')).length);
        } finally {
          folder.release();
        }
        break;
      }
    }
  }
  return [atom('STATUS'), new MailboxName(name), values];
}

export const status: CommandSpec = {
  name: 'STATUS',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const name = p.mailbox();
    p.sp();
    const atts = statusAttributes(p);
    p.end();
    if (atts.includes('HIGHESTMODSEQ')) activateCondstore(session);
    session.send(await statusResponse(session, name, atts));
    return ok('STATUS completed');
  },
};
