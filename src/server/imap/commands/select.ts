// RFC 9051 §6.3.2 SELECT mailbox [SP "(" select-param *(SP select-param) ")"], and §6.3.3 EXAMINE (read-only).
// Select params: CONDSTORE, QRESYNC (uidvalidity mod-sequence [known-uids]) (RFC 7162 §3.2.5).
// IMAP4rev1 sessions get RFC 3501 §6.3.1's responses (RECENT, OK [UNSEEN]); once IMAP4rev2 is enabled,
// RFC 9051 §6.3.2's: neither of those, and a LIST response for the mailbox instead.
import { ok, type Completion } from '../errors.js';
import { resolveFolder, SEPARATOR, type ResolvedFolder } from '../namespaces.js';
import type { SequenceSet } from '../protocol/ast.js';
import { atom, MailboxName, Raw, str, type Value } from '../protocol/values.js';
import { formatUidSet } from '../session/sequence.js';
import { MailboxView } from '../session/view.js';
import type { Session } from '../session/session.js';
import { AUTH, type CommandContext, type CommandSpec } from './types.js';

interface Qresync {
  readonly uidValidity: number;
  readonly modseq: number;
  readonly knownUids?: SequenceSet | undefined;
}

async function openMailbox({ p, session, name: command }: CommandContext): Promise<Completion> {
  p.sp();
  const name = p.mailbox();
  let condstore = false;
  let qresync: Qresync | undefined;
  if (p.trySp()) {
    p.list(() => {
      const param = p.keyword();
      if (param === 'CONDSTORE') condstore = true;
      else if (param === 'QRESYNC') {
        if (!session.enabled.has('QRESYNC')) p.fail('QRESYNC is not enabled');
        p.sp();
        p.char('(');
        const uidValidity = p.nzNumber();
        p.sp();
        const modseq = p.modseq();
        let knownUids: SequenceSet | undefined;
        if (p.trySp()) {
          knownUids = p.sequenceSet();
          if (p.trySp()) p.list(() => p.sequenceSet()); // seq-match-data: only an optimisation hint
        }
        p.char(')');
        qresync = { uidValidity, modseq, knownUids };
      } else p.fail(`Unknown SELECT parameter ${param}`);
    }, false);
  }
  p.end();

  const hadSelection = session.state.kind === 'selected';
  session.deselect();
  // Sent whenever a selection is replaced, not only after ENABLE QRESYNC: RFC 9051 §7.1 and RFC 7162
  // §3.2.11 (QRESYNC is advertised); clients that do not know the code ignore an untagged OK.
  if (hadSelection) session.sendLine('* OK [CLOSED] Previous mailbox closed');
  const user = session.user();
  const target = resolveFolder(user, name);
  const readOnly = command === 'EXAMINE' || target.readOnly;
  const folder = await target.mailbox.openFolder(target.folder);
  let state;
  try {
    state = await folder.sync();
  } catch (err) {
    folder.release();
    throw err;
  }
  const view = new MailboxView(folder, name, readOnly, state);
  const rev2 = session.isEnabled('IMAP4rev2');
  view.noRecent = rev2;
  view.unsubscribe = session.watch(view);
  session.state = { kind: 'selected', user, view };
  if (condstore || qresync) {
    // A CONDSTORE enabling command: on for the rest of the connection (RFC 7162 §3.1).
    session.enabled.add('CONDSTORE');
    session.condstoreActive = true;
  }
  await view.claimRecent();
  announce(session, view, qresync, rev2 ? await listResponse(target, name) : undefined);
  return ok(`${command} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

/**
 * The `* LIST` response IMAP4rev2 requires of SELECT and EXAMINE (RFC 9051 §6.3.2), with the attributes a
 * plain LIST gives the mailbox, so they are accurate.
 */
async function listResponse(target: ResolvedFolder, name: string): Promise<Value[]> {
  const info = (await target.mailbox.listFolders()).find((f) => f.name === target.folder);
  const attrs: Value[] = [];
  if (info) {
    attrs.push(atom(info.hasChildren ? '\\HasChildren' : '\\HasNoChildren'));
    if (info.specialUse) attrs.push(atom(info.specialUse));
  }
  return [atom('LIST'), attrs, str(SEPARATOR), new MailboxName(name)];
}

/** `list`: IMAP4rev2's LIST response, which also means no RECENT and no OK [UNSEEN] (RFC 9051 Appendix E). */
function announce(session: Session, view: MailboxView, qresync: Qresync | undefined, list: Value[] | undefined): void {
  const state = view.folder.state();
  for (const l of view.flagsResponses()) session.send(l);
  session.send([view.exists, atom('EXISTS')]);
  if (!list) {
    session.send([view.recent.size, atom('RECENT')]);
    const firstUnseen = view.messages.findIndex((m) => !m.flags.includes('\\Seen'));
    if (firstUnseen >= 0) session.sendLine(`* OK [UNSEEN ${firstUnseen + 1}] First unseen`);
  }
  session.sendLine(`* OK [UIDVALIDITY ${state.uidValidity}] UIDs valid`);
  session.sendLine(`* OK [UIDNEXT ${state.uidNext}] Predicted next UID`);
  session.sendLine(`* OK [HIGHESTMODSEQ ${state.highestModSeq}] Highest`);
  if (list) session.send(list);
  if (qresync && qresync.uidValidity === state.uidValidity) {
    const existing = new Set(view.messages.map((m) => m.uid));
    const known: number[] = [];
    if (qresync.knownUids && qresync.knownUids.kind === 'set') {
      for (const r of qresync.knownUids.ranges) {
        const a = r.start === '*' ? state.uidNext - 1 : r.start;
        const b = r.end === '*' ? state.uidNext - 1 : r.end;
        for (let u = Math.min(a, b); u <= Math.max(a, b) && u < state.uidNext && known.length < 1_000_000; u++) known.push(u);
      }
    } else {
      for (let u = 1; u < state.uidNext && known.length < 1_000_000; u++) known.push(u);
    }
    const vanished = known.filter((u) => !existing.has(u));
    if (vanished.length) session.send([atom('VANISHED'), new Raw('(EARLIER)'), new Raw(formatUidSet(vanished))]);
    view.messages.forEach((m, i) => {
      if (m.modseq > qresync.modseq) {
        session.send([i + 1, atom('FETCH'), [atom('UID'), m.uid, atom('FLAGS'), view.flagValues(m), atom('MODSEQ'), [m.modseq]]]);
      }
    });
  }
}

export const select: CommandSpec = { name: 'SELECT', states: AUTH, run: openMailbox };
export const examine: CommandSpec = { name: 'EXAMINE', states: AUTH, run: openMailbox };
