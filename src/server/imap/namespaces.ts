// IMAP names <-> (Maildir, folder). The personal namespace is "" with "/" as separator: the user's own
// Maildir. Other Maildirs the user may open (grants, other owned addresses) appear as
// `Shared/<address>/<folder>`, where `Shared` and `Shared/<address>` are containers (\Noselect).
import { StoreError } from '../../errors.js';
import type { FolderInfo, Mailbox, SpecialUse } from '../../maildir/types.js';
import type { AuthenticatedUser } from './session/state.js';
import { atom, str, type Value } from './protocol/values.js';

export const SEPARATOR = '/';
export const SHARED_ROOT = 'Shared';

export interface ResolvedFolder {
  readonly mailbox: Mailbox;
  /** The folder name inside that Maildir ("INBOX", "Sent", "a/b"). */
  readonly folder: string;
  readonly readOnly: boolean;
}

/** Maps an IMAP name to a folder; throws StoreError not-found for unknown shared addresses and containers. */
export function resolveFolder(user: AuthenticatedUser, name: string): ResolvedFolder {
  if (name === SHARED_ROOT || name.startsWith(SHARED_ROOT + SEPARATOR)) {
    const rest = name.slice(SHARED_ROOT.length + 1);
    const slash = rest.indexOf(SEPARATOR);
    const key = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
    const entry = user.shared.get(key);
    const folder = slash < 0 ? '' : rest.slice(slash + 1);
    if (!entry || folder === '') throw new StoreError('not-found', 'no such mailbox');
    return { mailbox: entry.mailbox, folder: normalizeInbox(folder), readOnly: entry.readOnly };
  }
  if (name === '' || name.split(SEPARATOR).some((p) => p === '')) throw new StoreError('invalid-name', 'empty hierarchy level');
  return { mailbox: user.personal, folder: normalizeInbox(name), readOnly: false };
}

function normalizeInbox(folder: string): string {
  return folder.toUpperCase() === 'INBOX' ? 'INBOX' : folder;
}

export interface ListEntry {
  readonly name: string;
  readonly selectable: boolean;
  readonly hasChildren: boolean;
  readonly subscribed: boolean;
  readonly specialUse?: SpecialUse | undefined;
  /** Not a mailbox, only the parent of some: listed so `%` can walk the hierarchy. */
  readonly implied?: boolean | undefined;
}

/** Every name the user can see, containers included, in a stable order. */
export async function listEverything(user: AuthenticatedUser): Promise<ListEntry[]> {
  const out: ListEntry[] = (await user.personal.listFolders()).map((f) => entry(f, f.name));
  if (user.shared.size > 0) {
    out.push({ name: SHARED_ROOT, selectable: false, hasChildren: true, subscribed: false });
    for (const [key, { mailbox }] of user.shared) {
      const folders = await mailbox.listFolders().catch(() => [] as readonly FolderInfo[]);
      out.push({ name: `${SHARED_ROOT}/${key}`, selectable: false, hasChildren: folders.length > 0, subscribed: false });
      for (const f of folders) out.push(entry(f, `${SHARED_ROOT}/${key}/${f.name}`));
    }
  }
  return out;
}

function entry(f: FolderInfo, name: string): ListEntry {
  return { name, selectable: true, hasChildren: f.hasChildren, subscribed: f.subscribed, specialUse: f.specialUse };
}

/** The NAMESPACE response body (RFC 2342): personal, other users (none), shared. */
export function namespaceValues(user: AuthenticatedUser): Value[] {
  const personal: Value = [[str(''), str(SEPARATOR)]];
  const shared: Value = user.shared.size > 0 ? [[str(SHARED_ROOT + SEPARATOR), str(SEPARATOR)]] : null;
  return [atom('NAMESPACE'), personal, null, shared];
}

/** Compiles a LIST pattern (reference already joined): `*` matches anything, `%` anything but the separator. */
export function patternMatcher(pattern: string): (name: string) => boolean {
  const re = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const exact = new RegExp(`^${re}$`, 's');
  // INBOX is case-insensitive (RFC 9051 §5.1): match it (and its children) against an upper-cased pattern too.
  const inbox = new RegExp(`^${re}$`, 'is');
  return (name) => exact.test(name) || ((name === 'INBOX' || name.startsWith('INBOX/')) && inbox.test(name));
}
