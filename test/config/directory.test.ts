// Directory lookups over a loaded snapshot: logins, recipients (aliases, loops, catch-all, shared mailboxes),
// sender rights and mailbox access.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { accessibleMailboxes, authenticate, canSendAs, findUserByLogin, isLocalDomain, primaryMailbox, resolveRecipient } from '../../src/config/directory.js';
import { hashPassword } from '../../src/config/passwords.js';
import type { ConfigSnapshot, UserConfig } from '../../src/config/types.js';
import { configDir } from './helpers.js';

let snap: ConfigSnapshot;
const user = (login: string): UserConfig => {
  const u = snap.users.get(login);
  if (!u) throw new Error(`fixture user ${login} missing`);
  return u;
};

beforeAll(async () => {
  const pw = await hashPassword('alice-pw', 4);
  const paths = await configDir({
    'domains/example.com.toml': [
      '[aliases]',
      'postmaster = "alice"',
      'sales = ["alice", "bob@example.org", "team"]',
      'team = ["carol@example.net", "sales"]', // loops back to sales: visited once
      'ext = "someone@elsewhere.test"',
      'chain = "postmaster"',
    ].join('\n'),
    'domains/example.net.toml': 'catch_all = "carol"\n',
    'domains/example.org.toml': '[aliases]\nbob = "bob@example.com"\n',
    'domains/off.test.toml': 'enabled = false\n',
    'users/alice.toml': `password = "${pw}"\n[[grant]]\npath = "imap/mail/example.com:support"\nrole = "writer"\n[[grant]]\npath = "smtp/mail/example.org"\nrole = "writer"\n`,
    'users/bob.toml': 'addresses = ["bob@example.com"]\n[[grant]]\npath = "imap/mail/example.com:alice"\nrole = "reader"\n[[grant]]\npath = "smtp/mail/example.net:info"\nrole = "reader"\n',
    'users/carol.toml': 'addresses = ["carol@example.net", "c@example.com"]\n[[grant]]\npath = "smtp/mail/example.com:news"\nrole = "owner"\n',
    'users/dave@example.org.toml': '',
  });
  snap = await loadConfig(paths);
});

describe('owned addresses and primary mailbox', () => {
  it('gives a plain login <login>@<domain> in every domain, alphabetically, after explicit addresses', () => {
    expect(user('alice').addresses).toEqual(['alice@example.com', 'alice@example.net', 'alice@example.org', 'alice@off.test']);
    expect(primaryMailbox(user('alice'))).toEqual({ domain: 'example.com', local: 'alice' });
  });
  it('puts explicit addresses first and skips implicit ones shadowed by aliases', () => {
    // bob@example.org is an alias in example.org, so bob does not own it implicitly.
    expect(user('bob').addresses).toEqual(['bob@example.com', 'bob@example.net', 'bob@off.test']);
    expect(primaryMailbox(user('carol'))).toEqual({ domain: 'example.net', local: 'carol' });
  });
  it('lets an address login own exactly that address', () => {
    expect(user('dave@example.org').addresses).toEqual(['dave@example.org']);
  });
});

describe('findUserByLogin and authenticate', () => {
  it('prefers the exact login, then the local part, then an owned address', () => {
    expect(findUserByLogin(snap, 'alice')?.login).toBe('alice');
    expect(findUserByLogin(snap, 'Alice@Example.com')?.login).toBe('alice');
    expect(findUserByLogin(snap, 'dave@example.org')?.login).toBe('dave@example.org');
    expect(findUserByLogin(snap, 'c@example.com')?.login).toBe('carol');
    expect(findUserByLogin(snap, 'dave')).toBeUndefined();
    expect(findUserByLogin(snap, 'alice@not-local.test')).toBeUndefined();
    expect(findUserByLogin(snap, 'nobody@example.com')).toBeUndefined();
  });
  it('checks the password', async () => {
    expect((await authenticate(snap, 'alice@example.com', 'alice-pw'))?.login).toBe('alice');
    expect(await authenticate(snap, 'alice', 'wrong')).toBeNull();
    expect(await authenticate(snap, 'bob', '')).toBeNull(); // no password set
    expect(await authenticate(snap, 'ghost', 'alice-pw')).toBeNull();
  });
});

describe('resolveRecipient', () => {
  const mb = (local: string, domain: string) => ({ local, domain });
  it('delivers owned addresses to the owner mailbox', () => {
    expect(resolveRecipient(snap, 'alice@example.com')).toEqual({ kind: 'local', mailboxes: [mb('alice', 'example.com')], forward: [] });
    expect(resolveRecipient(snap, 'c@example.com')).toEqual({ kind: 'local', mailboxes: [mb('carol', 'example.net')], forward: [] });
    expect(resolveRecipient(snap, 'ALICE@example.org')).toEqual({ kind: 'local', mailboxes: [mb('alice', 'example.com')], forward: [] });
  });
  it('expands aliases recursively, with loops visited once and externals forwarded', () => {
    const r = resolveRecipient(snap, 'sales@example.com');
    expect(r.kind).toBe('local');
    if (r.kind !== 'local') return;
    // bob@example.org is itself an alias (in example.org) to bob@example.com; team loops back to sales.
    expect(r.mailboxes).toEqual([mb('alice', 'example.com'), mb('bob', 'example.com'), mb('carol', 'example.net')]);
    expect(r.forward).toEqual([]);
    expect(resolveRecipient(snap, 'ext@example.com')).toEqual({ kind: 'local', mailboxes: [], forward: ['someone@elsewhere.test'] });
    expect(resolveRecipient(snap, 'chain@example.com')).toEqual({ kind: 'local', mailboxes: [mb('alice', 'example.com')], forward: [] });
    expect(resolveRecipient(snap, 'bob@example.org')).toEqual({ kind: 'local', mailboxes: [mb('bob', 'example.com')], forward: [] });
  });
  it('uses the catch-all for unknown local parts only', () => {
    expect(resolveRecipient(snap, 'whatever@example.net')).toEqual({ kind: 'local', mailboxes: [mb('carol', 'example.net')], forward: [] });
    expect(resolveRecipient(snap, 'whatever@example.com')).toEqual({ kind: 'unknown-user' });
  });
  it('delivers to a standalone shared mailbox named by an imap grant', () => {
    expect(resolveRecipient(snap, 'support@example.com')).toEqual({ kind: 'local', mailboxes: [mb('support', 'example.com')], forward: [] });
  });
  it('treats other and disabled domains as not local', () => {
    expect(resolveRecipient(snap, 'x@gmail.test')).toEqual({ kind: 'not-local' });
    expect(resolveRecipient(snap, 'alice@off.test')).toEqual({ kind: 'not-local' });
    expect(isLocalDomain(snap, 'EXAMPLE.com')).toBe(true);
    expect(isLocalDomain(snap, 'off.test')).toBe(false);
  });
});

describe('canSendAs', () => {
  it('allows owned addresses and writer/owner smtp grants only', () => {
    expect(canSendAs(snap, user('alice'), 'alice@example.com')).toBe(true);
    expect(canSendAs(snap, user('alice'), 'anyone@example.org')).toBe(true); // domain-wide writer grant
    expect(canSendAs(snap, user('alice'), 'support@example.com')).toBe(false); // imap grant is not a send right
    expect(canSendAs(snap, user('alice'), 'bob@example.com')).toBe(false);
    expect(canSendAs(snap, user('bob'), 'info@example.net')).toBe(false); // reader is not enough
    expect(canSendAs(snap, user('carol'), 'news@example.com')).toBe(true); // owner >= writer
    expect(canSendAs(snap, user('carol'), 'other@example.com')).toBe(false);
    expect(canSendAs(snap, user('alice'), 'postmaster@example.com')).toBe(false); // alias target is not an owner
  });
});

describe('accessibleMailboxes', () => {
  it('lists the own mailbox first, then granted ones (a granted user address maps to their mailbox)', () => {
    expect(accessibleMailboxes(snap, user('alice'))).toEqual([
      { mailbox: { domain: 'example.com', local: 'alice' }, role: 'owner', own: true },
      { mailbox: { domain: 'example.com', local: 'support' }, role: 'writer', own: false },
    ]);
    expect(accessibleMailboxes(snap, user('bob'))).toEqual([
      { mailbox: { domain: 'example.com', local: 'bob' }, role: 'owner', own: true },
      { mailbox: { domain: 'example.com', local: 'alice' }, role: 'reader', own: false },
    ]);
  });
});
