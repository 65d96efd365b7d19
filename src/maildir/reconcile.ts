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

/** cur/ as it must be when its stamp is unchanged: every live message not in new/, named base:2,letters. */
export function curNamesFromLogs(ul: Uidlist, ms: ModseqLog, newNames: readonly string[]): { names: string[]; positions: number[] } {
  const inNew = new Set<string>();
  for (const n of newNames) inNew.add(baseOf(n));
  const names: string[] = [];
  const positions: number[] = [];
  for (let i = 0; i < ul.uids.length; i++) {
    const base = ul.bases[i] as string;
    if (ul.posOf.get(base) !== i || inNew.has(base)) continue;
    const slot = ms.slotOf(ul.uids[i] as number);
    if (slot === undefined || ms.dateAt(slot) < 0) continue;
    names.push(`${base}:2,${ms.infoAt(slot)}`);
    positions.push(i);
  }
  return { names, positions };
}

/**
 * Joins the listings with the uidlist and the modseq log. `curPositions`, when given, are the uidlist
 * positions of `curNames` (a listing rebuilt from the logs). `old` (sorted by UID) lets unchanged messages
 * keep their objects.
 */
export function reconcile(
ul: Uidlist,
ms: ModseqLog,
old: readonly MaildirMessage[],
flagsFor: (info: string) => readonly Flag[],
newNames: readonly string[],
curNames: readonly string[],
curPositions?: readonly number[],
): Reconciled {
  const n = ul.uids.length;
  // Position in the uidlist -> current file name; no per-message map or object on this path.
  const names = new Array<string | undefined>(n);
  const isNew = new Uint8Array(n);
  const stray = new Map<string, { name: string; inNew: boolean }>();
  let racy = false;
  for (const name of newNames) {
    const p = ul.posOf.get(name.indexOf(':') === -1 ? name : baseOf(name));
    if (p === undefined) stray.set(baseOf(name), { name, inNew: true });
    else {
      names[p] = name;
      isNew[p] = 1;
    }
  }
  for (let k = 0; k < curNames.length; k++) {
    const name = curNames[k] as string;
    const base = curPositions ? '' : baseOf(name);
    const p = curPositions ? curPositions[k] : ul.posOf.get(base);
    if (p === undefined) {
      const prev = stray.get(base);
      if (prev !== undefined && !prev.inNew && prev.name !== name) racy = true;
      stray.set(base, { name, inNew: false });
      continue;
    }
    const prev = names[p];
    // One base under two names in cur/: a rename raced with our listing.
    if (prev !== undefined && isNew[p] === 0 && prev !== name) racy = true;
    names[p] = name;
    isNew[p] = 0;
  }
  let oi = 0;
  let canonical = stray.size === 0;
  const messages: MaildirMessage[] = [];
  const missing: number[] = [];
  const needRecord: Pending[] = [];
  for (let i = 0; i < n; i++) {
    const uid = ul.uids[i] as number;
    const name = names[i];
    const slot = ms.slotOf(uid);
    if (name === undefined) {
      const base = ul.bases[i] as string;
      // An older duplicate line for the same file is not a message; a file gone unlogged is.
      if (ul.posOf.get(base) === i && (slot === undefined || ms.dateAt(slot) >= 0)) missing.push(uid);
      continue;
    }
    const inNew = isNew[i] === 1;
    const info = inNew ? '' : infoOf(name);
    if (!inNew && canonical) {
      const bl = (ul.bases[i] as string).length;
      canonical = name.length >= bl + 3 && name.charCodeAt(bl) === 58 && name.charCodeAt(bl + 1) === 50 && name.charCodeAt(bl + 2) === 44;
    }
    if (slot === undefined || ms.dateAt(slot) < 0 || ms.infoAt(slot) !== info) {
      needRecord.push({ uid, base: ul.bases[i] as string, name, inNew, info });
      continue;
    }
    const modseq = ms.modseqAt(slot);
    while (oi < old.length && (old[oi] as MaildirMessage).uid < uid) oi++;
    const prev = old[oi];
    if (prev !== undefined && prev.uid === uid && prev.file === name && prev.modseq === modseq && prev.inNew === inNew) {
      messages.push(prev);
    } else {
      messages.push(new MaildirMessage(uid, flagsFor(info), modseq, ms.vsizeAt(slot), ms.dateAt(slot), name, inNew, ul.bases[i] as string));
    }
  }
  const unassigned: Pending[] = [];
  for (const [base, f] of stray) unassigned.push({ uid: 0, base, name: f.name, inNew: f.inNew, info: f.inNew ? '' : infoOf(f.name) });
  return { messages, missing, needRecord, unassigned, racy, canonical };
}
