// The on-disk layout of one mailbox: `<root>/<domain>/<local>/` holding INBOX (cur/ new/ tmp/) and one
// `.Name` directory per sub-folder with a `maildirfolder` file (Maildir++). Special-use attributes: Dovecot
// takes them from its config, so everlock records its own in `everlock-special-use` (`<name>\t<\Use>` lines)
// and falls back to the standard names (Sent, Drafts, Trash, Junk, Archive) when the file is missing.
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { storeErrorFromErrno } from '../errors.js';
import type { SpecialUse } from './types.js';
import { dirToFolder, folderToDir, INBOX } from './folder-names.js';
import { tempPathFor } from './temp-path.js';
import { fsyncDirNow } from './group-commit.js';

export const SPECIAL_USE_FILE = 'everlock-special-use';

export const DEFAULT_FOLDERS: ReadonlyArray<readonly [string, SpecialUse]> = [
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

export function folderPath(mailboxDir: string, name: string): string {
  return join(mailboxDir, folderToDir(name));
}

/**
 * Creates cur/ new/ tmp/ (and maildirfolder for sub-folders); idempotent. Every directory that gained an
 * entry is fsynced before this returns: a message acknowledged into a folder created for it (a new mailbox, a
 * rule's folder) must not lose its folder, and with it the message, to a power cut.
 */
export async function createFolderDirs(mailboxDir: string, name: string): Promise<void> {
  const dir = folderPath(mailboxDir, name);
  try {
    const changed = new Set<string>();
    const first = await mkdir(dir, { recursive: true, mode: 0o700 });
    // `first` is the topmost directory mkdir made: it and every one below it up to `dir` are new entries.
    if (first !== undefined) for (let d = dir; ; d = dirname(d)) {
      changed.add(dirname(d));
      if (d === first || dirname(d) === d) break;
    }
    const made = await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(dir, d), { recursive: true, mode: 0o700 })));
    if (made.some((m) => m !== undefined)) changed.add(dir);
    if (name !== INBOX) await (await open(join(dir, 'maildirfolder'), 'a', 0o600)).close();
    await Promise.all([...changed].map(fsyncDirNow));
  } catch (err) {
    throw storeErrorFromErrno(err, 'folder');
  }
}

/** Folder names present on disk (INBOX first, then sorted). */
export async function listFolderNames(mailboxDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(mailboxDir, { withFileTypes: true });
  } catch (err) {
    throw storeErrorFromErrno(err, 'mailbox');
  }
  const names: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const name = dirToFolder(e.name);
    if (name !== undefined && name !== INBOX) names.push(name);
  }
  return [INBOX, ...names.sort()];
}

export async function readSpecialUse(mailboxDir: string): Promise<Map<string, SpecialUse>> {
  try {
    const text = await readFile(join(mailboxDir, SPECIAL_USE_FILE), 'utf8');
    const map = new Map<string, SpecialUse>();
    for (const line of text.split('\n')) {
      const tab = line.lastIndexOf('\t');
      if (tab > 0) map.set(line.slice(0, tab), line.slice(tab + 1) as SpecialUse);
    }
    return map;
  } catch {
    return new Map(DEFAULT_FOLDERS.map(([n, u]) => [n, u]));
  }
}

export async function writeSpecialUse(mailboxDir: string, map: ReadonlyMap<string, SpecialUse>): Promise<void> {
  const text = [...map].map(([n, u]) => `${n}\t${u}\n`).join('');
  await atomicWrite(join(mailboxDir, SPECIAL_USE_FILE), text);
}

/** temp -> fsync -> rename, for the small metadata files. */
export async function atomicWrite(path: string, text: string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    throw storeErrorFromErrno(err, path.slice(path.lastIndexOf('/') + 1));
  }
}

/** Creates a new mailbox tree with the default folders, subscribed (like Dovecot's autocreate). */
export async function createMailboxLayout(mailboxDir: string): Promise<void> {
  await createFolderDirs(mailboxDir, INBOX);
  for (const [name] of DEFAULT_FOLDERS) await createFolderDirs(mailboxDir, name);
  await writeSpecialUse(mailboxDir, new Map(DEFAULT_FOLDERS.map(([n, u]) => [n, u])));
}
