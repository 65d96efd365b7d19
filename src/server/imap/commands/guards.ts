// Preconditions shared by the commands that change a selected folder.
import { no, type Completion } from '../errors.js';
import type { MailboxView } from '../session/view.js';

/** NO [READ-ONLY] for a folder opened with EXAMINE or shared read-only (RFC 9051 §7.1). */
export function readOnlyRefusal(view: MailboxView): Completion | undefined {
  return view.readOnly ? no('Mailbox is read-only', 'READ-ONLY') : undefined;
}
