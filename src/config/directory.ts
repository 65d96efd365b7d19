// Who is who, as pure functions over one config snapshot: logins, recipients, sender rights, mailbox access.
// Invariants (SPEC §4 and the mailbox model):
//  - a user has exactly one Maildir, that of the first of their `addresses`; mail to any address they own lands
//    there;
//  - an address named in an `imap/mail/<domain>:<local>` grant that no user owns is a standalone shared Maildir;
//  - alias expansion is recursive and visits each address once, so a loop ends instead of spinning;
//  - resolution order for a local address: owning user, then alias, then shared mailbox, then catch-all.
import type { ConfigSnapshot, MailboxAddress, Role, UserConfig } from './types.js';
import { parseGrantPath, roleAtLeast } from './grants.js';
import { splitAddress } from './names.js';
import { LoginCache } from './login-cache.js';
import { verifyPassword } from './passwords.js';
import { StoreError } from '../errors.js';

export type Recipient =
  | { kind: 'local'; mailboxes: MailboxAddress[]; forward: string[] }
  | { kind: 'unknown-user' }
  | { kind: 'not-local' };

interface DirectoryIndex {
  /** Lower-case address -> owning user. */
  readonly owners: ReadonlyMap<string, UserConfig>;
  /** Lower-case address -> standalone shared mailbox (named by an imap grant, owned by no user). */
  readonly shared: ReadonlyMap<string, MailboxAddress>;
}

const indexes = new WeakMap<ConfigSnapshot, DirectoryIndex>();

function indexOf(snap: ConfigSnapshot): DirectoryIndex {
  let idx = indexes.get(snap);
  if (idx) return idx;
  const owners = new Map<string, UserConfig>();
  for (const user of snap.users.values()) for (const a of user.addresses) if (!owners.has(a)) owners.set(a, user);
  const shared = new Map<string, MailboxAddress>();
  for (const user of snap.users.values()) {
    for (const g of user.grants) {
      const p = parseGrantPath(g.path);
      if (!p.ok || p.target.service !== 'imap') continue;
      const address = `${p.target.local}@${p.target.domain}`;
      if (!owners.has(address)) shared.set(address, { domain: p.target.domain, local: p.target.local });
    }
  }
  idx = { owners, shared };
  indexes.set(snap, idx);
  return idx;
}

export function isLocalDomain(snap: ConfigSnapshot, domain: string): boolean {
  return snap.domains.get(domain.toLowerCase())?.enabled === true;
}

/** The user's one Maildir: the first of their addresses. */
export function primaryMailbox(user: UserConfig): MailboxAddress {
  const first = user.addresses[0];
  if (first === undefined) throw new StoreError('not-found', `user ${user.login} has no mailbox: no address and no local domain`);
  return splitAddress(first);
}

/** The quota (bytes, 0 = none) of the user whose Maildir `mailbox` is. */
export function quotaOfMailbox(snap: ConfigSnapshot, mailbox: MailboxAddress): number {
  for (const u of snap.users.values()) {
    const first = u.addresses[0];
    if (first === undefined) continue;
    const m = splitAddress(first);
    if (m.domain === mailbox.domain && m.local === mailbox.local) return u.quotaBytes;
  }
  return 0;
}

/** Exact login first; else the local part of an address login (when its domain is local); else an owned address. */
export function findUserByLogin(snap: ConfigSnapshot, login: string): UserConfig | undefined {
  const name = login.trim().toLowerCase();
  const exact = snap.users.get(name);
  if (exact) return exact;
  if (!name.includes('@')) return undefined;
  const { local, domain } = splitAddress(name);
  const byLocal = snap.users.get(local);
  if (byLocal && (snap.domains.has(domain) || byLocal.addresses.includes(name))) return byLocal;
  return indexOf(snap).owners.get(name);
}

/** The user for `login` when `password` matches their hash; null otherwise (unknown user, no password, wrong). */
export async function authenticate(snap: ConfigSnapshot, login: string, password: string): Promise<UserConfig | null> {
  const user = findUserByLogin(snap, login);
  // An unknown login spends the same time on a dummy hash, so it cannot be told from a wrong password.
  const phc = user?.password ?? DUMMY_PHC;
  const who = user?.password ? user.login : `?${login.trim().toLowerCase()}`;
  let ok = loginCache.get(who, phc, password);
  if (ok === undefined) {
    ok = await verifyPassword(phc, password);
    loginCache.set(who, phc, password, ok);
  }
  return ok && user?.password ? user : null;
}

/** Recently verified logins (see login-cache.ts): one per process, shared by SMTP and IMAP. */
const loginCache = new LoginCache();

// A valid hash of a random string (ln=17 like real ones); verifying against it only burns the same time.
const DUMMY_PHC = '$scrypt$ln=17,r=8,p=1$ZXZlcmxvY2stZHVtbXk$X1R4b3VnaG5vdC1hLXJlYWwtaGFzaC0xMjM0NTY3OA';

interface Expansion {
  readonly mailboxes: Map<string, MailboxAddress>;
  readonly forward: Set<string>;
  readonly seen: Set<string>;
}

function newExpansion(): Expansion {
  return { mailboxes: new Map(), forward: new Set(), seen: new Set() };
}

function addMailbox(out: Expansion, m: MailboxAddress): void {
  out.mailboxes.set(`${m.local}@${m.domain}`, m);
}

/** Expands one local address into `out`; false when nothing local answers for it. */
function expandAddress(snap: ConfigSnapshot, address: string, out: Expansion, useCatchAll: boolean): boolean {
  if (out.seen.has(address)) return true;
  out.seen.add(address);
  const idx = indexOf(snap);
  const owner = idx.owners.get(address);
  if (owner) {
    addMailbox(out, primaryMailbox(owner));
    return true;
  }
  const { local, domain } = splitAddress(address);
  const d = snap.domains.get(domain);
  const targets = d?.aliases.get(local);
  if (targets) {
    for (const t of targets) expandTarget(snap, domain, t, out);
    return true;
  }
  const shared = idx.shared.get(address);
  if (shared) {
    addMailbox(out, shared);
    return true;
  }
  if (useCatchAll && d?.catchAll !== undefined) return expandTarget(snap, domain, d.catchAll, out);
  return false;
}

/**
 * Expands an alias or catch-all target written in `domain`'s file: a full address (local or external), a local
 * part of that domain, or a login. False when the target names nothing.
 */
function expandTarget(snap: ConfigSnapshot, domain: string, target: string, out: Expansion): boolean {
  if (target.includes('@')) {
    const { domain: td } = splitAddress(target);
    if (snap.domains.has(td)) return expandAddress(snap, target, out, false);
    out.forward.add(target);
    return true;
  }
  if (expandAddress(snap, `${target}@${domain}`, out, false)) return true;
  const user = snap.users.get(target);
  if (user && user.addresses.length > 0) {
    addMailbox(out, primaryMailbox(user));
    return true;
  }
  return false;
}

/** Where mail for `address` goes. Domains that exist but are disabled count as not local. */
export function resolveRecipient(snap: ConfigSnapshot, address: string): Recipient {
  const addr = address.trim().toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at <= 0) return { kind: 'unknown-user' };
  if (!isLocalDomain(snap, addr.slice(at + 1))) return { kind: 'not-local' };
  const out = newExpansion();
  expandAddress(snap, addr, out, true);
  if (out.mailboxes.size === 0 && out.forward.size === 0) return { kind: 'unknown-user' };
  return { kind: 'local', mailboxes: [...out.mailboxes.values()], forward: [...out.forward] };
}

/** Whether an alias/catch-all target written in `domain`'s file names something (for validation). */
export function targetResolves(snap: ConfigSnapshot, domain: string, target: string): boolean {
  return expandTarget(snap, domain, target, newExpansion());
}

/** Whether `domain`'s alias `local` ends in at least one mailbox or forward (false for pure loops). */
export function aliasDelivers(snap: ConfigSnapshot, domain: string, local: string): boolean {
  const out = newExpansion();
  expandAddress(snap, `${local}@${domain}`, out, false);
  return out.mailboxes.size > 0 || out.forward.size > 0;
}

/** Ownership, or an `smtp/mail/<domain>[:<local>]` grant with role writer or owner. */
export function canSendAs(snap: ConfigSnapshot, user: UserConfig, address: string): boolean {
  const addr = address.trim().toLowerCase();
  if (user.addresses.includes(addr)) return true;
  const { local, domain } = splitAddress(addr);
  for (const g of user.grants) {
    if (!roleAtLeast(g.role, 'writer')) continue;
    const p = parseGrantPath(g.path);
    if (!p.ok || p.target.service !== 'smtp' || p.target.domain !== domain) continue;
    if (p.target.local === undefined || p.target.local === local) return snap.domains.has(domain);
  }
  return false;
}

/** The user's own mailbox first, then every mailbox an `imap/mail/...` grant opens to them. */
export function accessibleMailboxes(snap: ConfigSnapshot, user: UserConfig): { mailbox: MailboxAddress; role: Role; own: boolean }[] {
  const out: { mailbox: MailboxAddress; role: Role; own: boolean }[] = [];
  const seen = new Set<string>();
  if (user.addresses.length > 0) {
    const own = primaryMailbox(user);
    out.push({ mailbox: own, role: 'owner', own: true });
    seen.add(`${own.local}@${own.domain}`);
  }
  const idx = indexOf(snap);
  for (const g of user.grants) {
    const p = parseGrantPath(g.path);
    if (!p.ok || p.target.service !== 'imap' || !snap.domains.has(p.target.domain)) continue;
    const address = `${p.target.local}@${p.target.domain}`;
    const owner = idx.owners.get(address);
    const mailbox = owner ? primaryMailbox(owner) : { domain: p.target.domain, local: p.target.local };
    const key = `${mailbox.local}@${mailbox.domain}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ mailbox, role: g.role, own: false });
  }
  return out;
}
