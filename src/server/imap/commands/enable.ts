// RFC 5161 ENABLE capability *(SP capability): CONDSTORE, QRESYNC (implies CONDSTORE), UTF8=ACCEPT, and
// IMAP4rev2 (RFC 9051 §6.3.1: the client opts into rev2 semantics; until then the session is IMAP4rev1).
import { ok } from '../errors.js';
import { activateCondstore } from './condstore.js';
import { AUTH, type CommandSpec } from './types.js';

/** What may be enabled, by its upper-cased name, spelled as the capability list spells it. */
const ENABLEABLE = new Map(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4rev2'].map((c) => [c.toUpperCase(), c]));

export const enable: CommandSpec = {
  name: 'ENABLE',
  states: AUTH,
  async run({ p, session }) {
    const newly: string[] = [];
    p.sp();
    do {
      const cap = ENABLEABLE.get(p.keyword());
      if (cap === undefined || session.enabled.has(cap)) continue;
      session.enabled.add(cap);
      newly.push(cap);
      // Enabled with a mailbox selected (RFC 9051 allows ENABLE only before): rev2 has no \Recent from now on.
      if (cap === 'IMAP4rev2' && session.state.kind === 'selected') session.state.view.dropRecent();
      if (cap === 'QRESYNC' && !session.enabled.has('CONDSTORE')) {
        session.enabled.add('CONDSTORE');
        newly.push('CONDSTORE');
      }
    } while (p.trySp());
    p.end();
    if (session.enabled.has('CONDSTORE')) activateCondstore(session);
    session.sendLine(`* ENABLED${newly.map((c) => ' ' + c).join('')}`);
    return ok('Enabled');
  },
};
