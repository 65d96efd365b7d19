// CONDSTORE enabling commands (RFC 7162 §3.1): ENABLE CONDSTORE, and FETCH/SEARCH/STORE/STATUS with a MODSEQ
// item or modifier. The first one turns CONDSTORE on for the rest of the connection (UID and MODSEQ in every
// later untagged FETCH); issued with a mailbox selected, it also tells the client the mailbox's
// HIGHESTMODSEQ, since the client may not have asked for it at SELECT.
import type { Session } from '../session/session.js';

/** Marks CONDSTORE active; returns true when this call activated it. */
export function activateCondstore(session: Session): boolean {
  if (session.condstoreActive && session.enabled.has('CONDSTORE')) return false;
  const first = !session.condstoreActive;
  session.enabled.add('CONDSTORE');
  session.condstoreActive = true;
  if (first && session.state.kind === 'selected') {
    session.sendLine(`* OK [HIGHESTMODSEQ ${session.state.view.folder.state().highestModSeq}] Highest`);
  }
  return first;
}
