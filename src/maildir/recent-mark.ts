// `everlock-recent`: the folder's \Recent watermark, `<uidvalidity> <uid>\n`, where <uid> is the lowest UID no
// session has yet been handed as \Recent (Dovecot keeps the same number, first_recent_uid, in its index
// header). Every UID at or above it arrived since (delivered, appended, copied or moved in) and is \Recent for
// the next session that claims it. It is read and advanced only under the uidlist lock, so a UID goes to one
// session across all processes.
//
// The file is metadata that is safe to lose: missing, torn, or of another UIDVALIDITY, it is treated as lost
// and the caller restarts the mark at the next UID (nothing already stored counts as \Recent, except files
// still in new/, which are claimed by renaming them as before). It is replaced by write + rename without an
// fsync: after a power loss it can only be missing or older, and no session of before the loss survives it.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from './temp-path.js';

export const RECENT_MARK = 'everlock-recent';

/** The watermark for `uidValidity`, or undefined when the file is missing, unreadable or of another UIDVALIDITY. */
export async function readRecentMark(dir: string, uidValidity: number): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, RECENT_MARK), 'latin1');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (\d+)\n$/.exec(text);
  if (!m || Number(m[1]) !== uidValidity) return undefined;
  const uid = Number(m[2]);
  return Number.isSafeInteger(uid) && uid >= 1 ? uid : undefined;
}

/** Replaces the watermark. Caller holds the uidlist lock. */
export async function writeRecentMark(dir: string, uidValidity: number, uid: number): Promise<void> {
  const path = join(dir, RECENT_MARK);
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, `${uidValidity} ${uid}\n`, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
