// RFC 9051 §6.4.6 STORE sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence ")"] SP
//   (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))      (RFC 7162 §3.1.3 modifier)
// Answers FETCH (FLAGS) for each changed message unless .SILENT; UNCHANGEDSINCE failures go in [MODIFIED].
import { ok } from '../errors.js';
import type { StoreAction } from '../protocol/ast.js';
import { atom, type Value } from '../protocol/values.js';
import { formatUidSet, resolveSet } from '../session/sequence.js';
import { readOnlyRefusal } from './guards.js';
import { activateCondstore } from './condstore.js';
import { SELECTED, type CommandSpec } from './types.js';

export const store: CommandSpec = {
  name: 'STORE',
  states: SELECTED,
  uid: true,
  holdsExpunges: true,
  syncFirst: true,
  async run({ p, session, uid }) {
    p.sp();
    const set = p.sequenceSet();
    p.sp();
    let unchangedSince: number | undefined;
    if (p.peek() === 0x28) {
      p.list(() => {
        if (p.keyword() !== 'UNCHANGEDSINCE') p.fail('Unknown STORE modifier');
        p.sp();
        unchangedSince = p.modseq();
      }, false);
      p.sp();
    }
    const item = p.atom().toUpperCase();
    const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
    if (!m) return p.fail(`Invalid STORE data item ${item}`);
    p.sp();
    let flags: string[];
    if (p.peek() === 0x28) flags = p.flagList();
    else {
      flags = [p.flag()];
      while (p.trySp()) flags.push(p.flag());
    }
    p.end();
    const action: StoreAction = { op: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace', silent: !!m[2], flags, unchangedSince };

    const view = session.selectedView();
    const refused = readOnlyRefusal(view);
    if (refused) return refused;
    if (unchangedSince !== undefined) activateCondstore(session);
    const positions = resolveSet(view, set, uid).filter((i) => !view.ghosts.has(view.messages[i]!.uid));
    const uids = positions.map((i) => view.messages[i]!.uid);
    if (uids.length === 0) return ok('STORE completed');
    const result = await view.folder.setFlags(uids, action.op, action.flags, action.unchangedSince);
    for (const l of view.applyOwn(result.updated)) session.send(l);
    const updated = new Set(result.updated.map((u) => u.uid));
    // Without .SILENT every addressed message is answered (RFC 9051 §6.4.6); with CONDSTORE also MODSEQ.
    for (const i of positions) {
      const msg = view.messages[i]!;
      const changed = updated.has(msg.uid);
      if (result.modified.includes(msg.uid)) continue;
      // .SILENT still reports the new MODSEQ of changed messages once CONDSTORE is on (RFC 7162 §3.1.3).
      if (action.silent && !(changed && session.condstoreActive)) continue;
      const values: Value[] = [];
      // With CONDSTORE on, every untagged FETCH carries UID and MODSEQ (RFC 7162 §3.1).
      if (uid || session.condstoreActive || session.enabled.has('QRESYNC')) values.push(atom('UID'), msg.uid);
      if (!action.silent) values.push(atom('FLAGS'), view.flagValues(msg));
      if (session.condstoreActive) values.push(atom('MODSEQ'), [msg.modseq]);
      session.send([i + 1, atom('FETCH'), values]);
      await session.maybeFlush();
    }
    if (result.modified.length > 0) {
      const modified = uid
        ? result.modified
        : result.modified.map((u) => view.indexOfUid(u) + 1).filter((n) => n > 0);
      return { status: 'OK', code: `MODIFIED ${formatUidSet(modified)}`, text: 'Conditional STORE failed' };
    }
    return ok(`${uid ? 'UID ' : ''}STORE completed`);
  },
};
