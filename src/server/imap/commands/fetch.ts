// RFC 9051 §6.4.5 FETCH sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
//   [SP "(" fetch-modifier *(SP fetch-modifier) ")"]   fetch-modifier: CHANGEDSINCE mod-sequence (RFC 7162
//   §3.1.4), VANISHED (RFC 7162 §3.2.6, UID FETCH only). UID FETCH (§6.4.9) always includes UID.
// Non-PEEK body items set \Seen first (unless read-only), and the new FLAGS are reported with the data.
import { StoreError } from '../../../errors.js';
import { fetchSetsSeen, renderFetch, UnknownCteError } from '../fetch/items.js';
import { no, ok } from '../errors.js';
import type { FetchItem, FetchModifiers } from '../protocol/ast.js';
import { atom, Raw } from '../protocol/values.js';
import { formatUidSet, resolveSet } from '../session/sequence.js';
import { formatInternalDate } from '../fetch/internal-date.js';
import type { MessageInfo } from '../../../maildir/types.js';
import { activateCondstore } from './condstore.js';
import { SELECTED, type CommandSpec } from './types.js';

export const fetch: CommandSpec = {
  name: 'FETCH',
  states: SELECTED,
  uid: true,
  holdsExpunges: true,
  syncFirst: true,
  async run({ p, session, uid }) {
    p.sp();
    const set = p.sequenceSet();
    p.sp();
    let items: FetchItem[] = p.fetchItems();
    let modifiers: FetchModifiers = {};
    if (p.trySp()) {
      p.list(() => {
        const m = p.keyword();
        if (m === 'CHANGEDSINCE') {
          p.sp();
          modifiers = { ...modifiers, changedSince: p.modseq() };
        } else if (m === 'VANISHED') modifiers = { ...modifiers, vanished: true };
        else p.fail(`Unknown FETCH modifier ${m}`);
      }, false);
    }
    p.end();
    if (modifiers.vanished && (!uid || modifiers.changedSince === undefined || !session.enabled.has('QRESYNC'))) {
      p.fail('VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled');
    }
    const has = (name: string): boolean => items.some((i) => i.kind === 'attribute' && i.name === name);
    if ((uid || session.enabled.has('QRESYNC')) && !has('UID')) items = [{ kind: 'attribute', name: 'UID' }, ...items];
    if (modifiers.changedSince !== undefined || has('MODSEQ')) {
      activateCondstore(session);
      if (!has('MODSEQ')) items = [...items, { kind: 'attribute', name: 'MODSEQ' }];
    }

    const view = session.selectedView();
    let positions = resolveSet(view, set, uid);
    if (modifiers.vanished && set.kind === 'set') {
      const existing = new Set(positions.map((i) => view.messages[i]!.uid));
      const gone: number[] = [];
      for (const r of set.ranges) {
        const hi = view.uidNext - 1;
        const a = r.start === '*' ? hi : r.start;
        const b = r.end === '*' ? hi : r.end;
        for (let u = Math.min(a, b); u <= Math.min(Math.max(a, b), hi) && gone.length < 100_000; u++) if (!existing.has(u)) gone.push(u);
      }
      if (gone.length) session.send([atom('VANISHED'), new Raw('(EARLIER)'), new Raw(formatUidSet(gone))]);
    }
    if (modifiers.changedSince !== undefined) {
      const since = modifiers.changedSince;
      positions = positions.filter((i) => view.messages[i]!.modseq > since);
    }

    const setsSeen = fetchSetsSeen(items) && !view.readOnly;
    let flagged = new Set<number>();
    if (setsSeen) {
      const unseen = positions.map((i) => view.messages[i]!).filter((m) => !m.flags.includes('\\Seen') && !view.ghosts.has(m.uid));
      if (unseen.length) {
        const result = await view.folder.setFlags(unseen.map((m) => m.uid), 'add', ['\\Seen']);
        for (const l of view.applyOwn(result.updated)) session.send(l);
        flagged = new Set(result.updated.map((m) => m.uid));
      }
    }
    // A FETCH that set \Seen changed MODSEQs: with CONDSTORE on, its responses carry UID and MODSEQ too
    // (RFC 7162 §3.1).
    if (flagged.size > 0 && session.condstoreActive) {
      if (!has('UID')) items = [{ kind: 'attribute', name: 'UID' }, ...items];
      if (!has('MODSEQ')) items = [...items, { kind: 'attribute', name: 'MODSEQ' }];
    }

    if (items.every((it) => it.kind === 'attribute' && STATE_ATTRIBUTES.has(it.name))) {
      // UID/FLAGS/… only: answered from the view without awaiting per message (a 100,000-message
      // `UID FETCH 1:* (UID FLAGS)` is one tight loop).
      const names = items.map((it) => (it.kind === 'attribute' ? it.name : ''));
      for (let k = 0; k < positions.length; k++) {
        const i = positions[k]!;
        session.sendLine(stateLine(i + 1, view.messages[i]!, names, view.recent.has(view.messages[i]!.uid)));
        if (k % 512 === 511) await session.maybeFlush();
      }
      return ok(`${uid ? 'UID ' : ''}FETCH completed`);
    }

    let missing = false;
    for (const i of positions) {
      const message = view.messages[i]!;
      try {
        const values = await renderFetch({ folder: view.folder, message, recent: view.recent.has(message.uid) }, items, {
          addFlags: flagged.has(message.uid),
        });
        session.send([i + 1, atom('FETCH'), values]);
      } catch (err) {
        if (err instanceof UnknownCteError) return no('Unknown content transfer encoding', 'UNKNOWN-CTE');
        if (err instanceof StoreError && (err.kind === 'expunged' || err.kind === 'not-found')) {
          missing = true;
          continue;
        }
        throw err;
      }
      await session.maybeFlush();
    }
    if (missing) return no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
    return ok(`${uid ? 'UID ' : ''}FETCH completed`);
  },
};

const STATE_ATTRIBUTES = new Set(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ']);

/** `* n FETCH (...)` for attributes held in MessageInfo; flags are atoms, the date our own formatting. */
function stateLine(seq: number, m: MessageInfo, names: readonly string[], recent: boolean): string {
  let out = `* ${seq} FETCH (`;
  for (let k = 0; k < names.length; k++) {
    if (k > 0) out += ' ';
    switch (names[k]) {
      case 'UID':
        out += `UID ${m.uid}`;
        break;
      case 'FLAGS':
        out += `FLAGS (${recent ? [...m.flags, '\\Recent'].join(' ') : m.flags.join(' ')})`;
        break;
      case 'INTERNALDATE':
        out += `INTERNALDATE "${formatInternalDate(m.internalDate)}"`;
        break;
      case 'RFC822.SIZE':
        out += `RFC822.SIZE ${m.size}`;
        break;
      case 'MODSEQ':
        out += `MODSEQ (${m.modseq})`;
        break;
    }
  }
  return out + ')';
}
