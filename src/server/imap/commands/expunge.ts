// RFC 9051 §6.4.3 EXPUNGE, and RFC 4315 UID EXPUNGE sequence-set: removes \Deleted messages (of the set).
import { ok } from '../errors.js';
import { resolveSet } from '../session/sequence.js';
import type { Session } from '../session/session.js';
import { readOnlyRefusal } from './guards.js';
import { SELECTED, type CommandSpec } from './types.js';

/** Expunges the \Deleted messages among `uids` (all when undefined). The EXPUNGE responses follow from refresh. */
export async function expungeDeleted(session: Session, uids?: readonly number[]): Promise<void> {
  const view = session.selectedView();
  const only = uids ? new Set(uids) : undefined;
  const doomed = view.messages
    .filter((m) => m.flags.includes('\\Deleted') && !view.ghosts.has(m.uid) && (!only || only.has(m.uid)))
    .map((m) => m.uid);
  if (doomed.length) await view.folder.expunge(doomed);
}

export const expunge: CommandSpec = {
  name: 'EXPUNGE',
  states: SELECTED,
  uid: true,
  syncFirst: true,
  async run({ p, session, uid }) {
    let uids: number[] | undefined;
    const view = session.selectedView();
    if (uid) {
      p.sp();
      const set = p.sequenceSet();
      uids = resolveSet(view, set, true).map((i) => view.messages[i]!.uid);
    }
    p.end();
    const refused = readOnlyRefusal(view);
    if (refused) return refused;
    await expungeDeleted(session, uids);
    return ok(`${uid ? 'UID ' : ''}EXPUNGE completed`);
  },
};
