// RFC 9051 §6.4.7 COPY sequence-set SP mailbox; UID COPY; answers [COPYUID uidvalidity src dst] (RFC 4315).
import { completionForError, no, ok, type Completion } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import type { CopyResult } from '../../../maildir/types.js';
import { formatOrderedSet, resolveSet } from '../session/sequence.js';
import type { Session } from '../session/session.js';
import { SELECTED, type CommandContext, type CommandSpec } from './types.js';

/** COPY and MOVE: parse, resolve, run `op`, answer with COPYUID. */
export async function transfer(
  { p, session, uid, name }: CommandContext,
  op: (session: Session, uids: number[], destination: ReturnType<typeof resolveFolder>) => Promise<CopyResult>,
): Promise<Completion> {
  p.sp();
  const set = p.sequenceSet();
  p.sp();
  const destName = p.mailbox();
  p.end();
  const view = session.selectedView();
  const positions = resolveSet(view, set, uid);
  let dest;
  try {
    dest = resolveFolder(session.user(), destName);
  } catch (err) {
    const mapped = completionForError(err, { tryCreate: true });
    if (mapped) return mapped;
    throw err;
  }
  if (dest.readOnly) return { status: 'NO', code: 'NOPERM', text: 'Destination is read-only' };
  const uids = positions.map((i) => view.messages[i]!.uid);
  if (uids.length === 0) return ok(`${name} completed`);
  // The set was resolved in the numbering the client knows; now look at the folder as it is. A message
  // expunged elsewhere (announced after this reply): copy nothing rather than report success for less than
  // was asked (RFC 2180 §4.4.1, RFC 5530 EXPUNGEISSUED).
  const current = (await view.folder.sync()).messages;
  if (uids.some((u) => view.ghosts.has(u) || !hasUid(current, u))) return no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
  let result: CopyResult;
  try {
    result = await op(session, uids, dest);
  } catch (err) {
    const mapped = completionForError(err, { tryCreate: true });
    if (mapped) return mapped;
    throw err;
  }
  if (dest.mailbox === session.user().personal && dest.folder === view.name) await view.folder.sync();
  if (result.pairs.length === 0) return ok(`${name} completed`);
  const code = `COPYUID ${result.uidValidity} ${formatOrderedSet(result.pairs.map((x) => x[0]))} ${formatOrderedSet(result.pairs.map((x) => x[1]))}`;
  return ok(`${uid ? 'UID ' : ''}${name} completed`, code);
}

/** Binary search: `messages` is ascending by UID. */
function hasUid(messages: readonly { readonly uid: number }[], uid: number): boolean {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const u = messages[mid]!.uid;
    if (u === uid) return true;
    if (u < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export const copy: CommandSpec = {
  name: 'COPY',
  states: SELECTED,
  uid: true,
  async run(ctx) {
    return transfer(ctx, async (session, uids, dest) => {
      const view = session.selectedView();
      if (dest.mailbox === session.user().personal) return view.folder.copyTo(uids, dest.folder);
      return copyAcross(session, uids, dest);
    });
  },
};

/** Copy into another Maildir (shared namespace): read each message and append it with its flags. */
export async function copyAcross(session: Session, uids: readonly number[], dest: ReturnType<typeof resolveFolder>): Promise<CopyResult> {
  const view = session.selectedView();
  const pairs: [number, number][] = [];
  let uidValidity = 0;
  for (const u of uids) {
    const m = view.messages[view.indexOfUid(u)]!;
    const r = await dest.mailbox.append(dest.folder, await view.folder.read(u), { flags: m.flags, internalDate: m.internalDate });
    uidValidity = r.uidValidity;
    pairs.push([u, r.uid]);
  }
  return { uidValidity, pairs };
}

