// Joining what is on disk into the folder's messages: the new/ and cur/ listings, the uidlist (base -> UID)
// and the modseq log (UID -> MODSEQ, internal date, size, logged flag letters). Pure functions over those
// three; what they cannot explain (files without UID, flags nobody logged, files gone without an expunge
// record, one file under two names) is returned for folder.ts to record under the lock.
import type { Flag } from './types.js';
import type { Uidlist } from './uidlist.js';
import type { ModseqLog } from './modseq.js';
import { baseOf, infoOf } from './filename.js';
import { MaildirMessage } from './message.js';

/** A file that needs recording: a UID (uid 0), or a modseq record. */
export interface Pending {
  uid: number;
  base: string;
  name: string;
  inNew: boolean;
  info: string;
}

export interface Reconciled {
  readonly messages: MaildirMessage[];
  /** UIDs whose file is gone without an expunge record. */
  readonly missing: number[];
  readonly needRecord: Pending[];
  readonly unassigned: Pending[];
  /** The listing cannot be trusted (a rename raced with it). */
  readonly racy: boolean;
  /** Every cur/ file is named `<base>:2,<letters>` (the cur/ stamp may be written). */
  readonly canonical: boolean;
}

/**
 * cur/ as it must be when its stamp is unchanged: the uidlist positions of every live message not in new/,
 * each named `<base>:2,<logged letters>`. No names are built.
 */
export function curPositionsFromLogs(ul: Uidlist, ms: ModseqLog, newNames: readonly string[]): number[] {
  const inNew = new Set<string>();
  for (const n of newNames) inNew.add(baseOf(n));
  const positions: number[] = [];
  const checkDup = ul.duplicates;
  const checkNew = inNew.size > 0;
  for (let i = 0; i < ul.uids.length; i++) {
    if (checkDup && ul.posOf.get(ul.bases.at(i)) !== i) continue;
    if (checkNew && inNew.has(ul.bases.at(i))) continue;
    const slot = ms.slotOf(ul.uids[i] as number);
    if (slot === undefined || ms.dateAt(slot) < 0) continue;
    positions.push(i);
  }
  return positions;
}

const ABSENT = 0;
const IN_NEW = 1;
const IN_CUR = 2;
/** In cur/ by the logs' account (curPositionsFromLogs), named canonically. */
const IN_CUR_REBUILT = 3;

/**
 * Joins the listings with the uidlist and the modseq log. cur/ is given either as names read from the
 * directory or as uidlist positions rebuilt from the logs. `old` (sorted by UID) lets unchanged messages
 * keep their objects.
 */
export function reconcile(
  ul: Uidlist,
  ms: ModseqLog,
  old: readonly MaildirMessage[],
  flagsFor: (info: string) => readonly Flag[],
  newNames: readonly string[],
  cur: { readonly names: readonly string[] } | { readonly positions: readonly number[] },
): Reconciled {
  const n = ul.uids.length;
  // Position in the uidlist -> where its file is (and its name when read); no per-message map or object.
  // Filled, and only when names are read: a bare `new Array(n)` is V8's slow dictionary mode for a large n.
  const names: Array<string | undefined> = newNames.length > 0 || !('positions' in cur) ? new Array<string | undefined>(n).fill(undefined) : [];
  const where = new Uint8Array(n);
  const stray = new Map<string, { name: string; inNew: boolean }>();
  let racy = false;
  for (const name of newNames) {
    const p = ul.posOf.get(name.indexOf(':') === -1 ? name : baseOf(name));
    if (p === undefined) stray.set(baseOf(name), { name, inNew: true });
    else {
      names[p] = name;
      where[p] = IN_NEW;
    }
  }
  if ('positions' in cur) {
    for (const p of cur.positions) where[p] = IN_CUR_REBUILT;
  } else {
    for (const name of cur.names) {
      const base = baseOf(name);
      const p = ul.posOf.get(base);
      if (p === undefined) {
        const prev = stray.get(base);
        if (prev !== undefined && !prev.inNew && prev.name !== name) racy = true;
        stray.set(base, { name, inNew: false });
        continue;
      }
      // One base under two names in cur/: a rename raced with our listing.
      if (where[p] === IN_CUR && names[p] !== name) racy = true;
      names[p] = name;
      where[p] = IN_CUR;
    }
  }
  let oi = 0;
  let canonical = stray.size === 0;
  const messages: MaildirMessage[] = [];
  const missing: number[] = [];
  const needRecord: Pending[] = [];
  for (let i = 0; i < n; i++) {
    const uid = ul.uids[i] as number;
    const w = where[i];
    const slot = ms.slotOf(uid);
    if (w === ABSENT) {
      // An older duplicate line for the same file is not a message; a file gone unlogged is.
      if ((!ul.duplicates || ul.posOf.get(ul.bases.at(i)) === i) && (slot === undefined || ms.dateAt(slot) >= 0)) missing.push(uid);
      continue;
    }
    // Only a listing read from the directory needs the base as a string; a rebuilt one never does.
    const base = w === IN_CUR_REBUILT ? '' : ul.bases.at(i);
    const inNew = w === IN_NEW;
    let info = '';
    let raw: string | undefined;
    if (w === IN_CUR_REBUILT) {
      info = slot === undefined ? '' : ms.infoAt(slot);
    } else {
      const name = names[i] as string;
      if (inNew) {
        if (name !== base) raw = name;
      } else {
        info = infoOf(name);
        const bl = base.length;
        if (name.length !== bl + 3 + info.length || name.charCodeAt(bl) !== 58 || name.charCodeAt(bl + 1) !== 50 || name.charCodeAt(bl + 2) !== 44) {
          raw = name;
          canonical = false;
        }
      }
    }
    if (slot === undefined || ms.dateAt(slot) < 0 || ms.infoAt(slot) !== info) {
      const b = ul.bases.at(i);
      needRecord.push({ uid, base: b, name: w === IN_CUR_REBUILT ? `${b}:2,${info}` : (names[i] as string), inNew, info });
      continue;
    }
    const modseq = ms.modseqAt(slot);
    while (oi < old.length && (old[oi] as MaildirMessage).uid < uid) oi++;
    const prev = old[oi];
    if (prev !== undefined && prev.uid === uid && prev.modseq === modseq && prev.inNew === inNew && prev.info === info && prev.rawName === raw) {
      messages.push(prev);
    } else {
      messages.push(new MaildirMessage(uid, flagsFor(info), modseq, ms.vsizeAt(slot), ms.dateAt(slot), ul.bases, i, info, inNew, raw));
    }
  }
  const unassigned: Pending[] = [];
  for (const [base, f] of stray) unassigned.push({ uid: 0, base, name: f.name, inNew: f.inNew, info: f.inNew ? '' : infoOf(f.name) });
  return { messages, missing, needRecord, unassigned, racy, canonical };
}
