// Temp files a crash can leave in <data>/tmp: large SMTP messages being received (smtp/spool.ts) and large
// IMAP APPEND bodies (imap/session/literal-spool.ts). Each is removed by its own process when done, so only a
// process that died leaves one. At start the server removes those of its kinds older than an hour: a file
// that old belongs to no transfer still running (an `everlock deliver` or a second server may be writing a
// fresh one right now). Anything else in the directory is left alone.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { APPEND_FILE_NAME } from './imap/session/literal-spool.js';
import { SPOOL_FILE_NAME } from './smtp/spool.js';

const OURS = [SPOOL_FILE_NAME, APPEND_FILE_NAME];
export const STALE_TEMP_MS = 60 * 60 * 1000;

/** Removes stale temp files of ours from `dir`; returns how many. A missing directory is nothing to do. */
export async function removeStaleTempFiles(dir: string, now = Date.now(), maxAgeMs = STALE_TEMP_MS): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!OURS.some((re) => re.test(name))) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (!st.isFile() || now - st.mtimeMs < maxAgeMs) continue;
      await unlink(path);
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
