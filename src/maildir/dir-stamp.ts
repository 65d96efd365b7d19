// `everlock-curstamp`: the identity (inode and mtime) of cur/ when its listing last matched the uidlist and
// the modseq log exactly, with every file named `<base>:2,<letters>`. While cur/ still has that identity no
// file was added, removed or renamed there since, so a new process can rebuild the listing from the
// uidlist and the logged letters instead of reading 100,000 directory entries (Dovecot keeps the same
// stamp in its index header). A cache: missing or stale, the directory is simply read.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from './temp-path.js';

export const CUR_STAMP = 'everlock-curstamp';

export async function readCurStamp(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, CUR_STAMP), 'latin1')).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function writeCurStamp(dir: string, stamp: string): Promise<void> {
  const path = join(dir, CUR_STAMP);
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, stamp + '\n', { mode: 0o600 });
    await rename(tmp, path);
  } catch {
    // Only an optimisation.
  }
}
