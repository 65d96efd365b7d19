// Dovecot round trip: a real Dovecot (dovecot-imapd) serves a Maildir everlock wrote and must report the same
// UIDs, UIDVALIDITY, flags, keywords and folders; then messages APPENDed and flags STOREd through Dovecot
// are read back by everlock with Dovecot's UIDs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { openMailStore } from '../../src/maildir/index.js';
import type { MailStore } from '../../src/maildir/types.js';
import { chownTree, freePort, hasDovecot, userIds, waitForPort } from '../support/dovecot.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };

// The test chowns the Maildir to Dovecot's user and starts Dovecot, which needs root (CI runs as root and
// installs dovecot-imapd). A developer without root gets a skip with the reason on stderr; as root, a
// missing Dovecot or missing Dovecot users fail the test instead of hiding it.
const isRoot = process.getuid?.() === 0;
if (!isRoot) process.stderr.write('dovecot-roundtrip: skipped, it must run as root (to start Dovecot and hand it the Maildir)\n');

function requireDovecot(): void {
  if (!hasDovecot()) throw new Error('dovecot is not installed: `apt-get install dovecot-imapd` (.ci/run installs it)');
  for (const user of ['dovecot', 'dovenull']) {
    if (userIds(user) === undefined) throw new Error(`system user ${user} is missing: reinstall dovecot-core`);
  }
}

describe.skipIf(!isRoot)('Dovecot round trip', () => {
  let root: string;
  let base: string;
  let mailboxDir: string;
  let port: number;
  let dovecot: ResultPromise | undefined;
  const ids = userIds('dovecot') ?? { uid: 0, gid: 0 };

  async function startDovecot(): Promise<void> {
    await chownTree(root, ids.uid, ids.gid);
    dovecot = execa('dovecot', ['-F', '-c', join(base, 'dovecot.conf')], { reject: false });
    await waitForPort(port);
  }

  async function stopDovecot(): Promise<void> {
    if (!dovecot) return;
    dovecot.kill('SIGTERM');
    await dovecot;
    dovecot = undefined;
  }

  async function client(): Promise<ImapFlow> {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: 'alice', pass: 'secret' }, logger: process.env.IMAP_DEBUG ? undefined : false, tls: { rejectUnauthorized: false } });
    try {
      await c.connect();
    } catch (err) {
      const log = await readFile(join(base, 'dovecot.log'), 'utf8').catch(() => '');
      throw new Error(`${String(err)}\n${log.split('\n').slice(-15).join('\n')}`);
    }
    return c;
  }

  beforeAll(async () => {
    requireDovecot();
    base = await tempDir('everlock-dovecot-');
    await chmod(base, 0o755);
    root = join(base, 'mail');
    mailboxDir = join(root, alice.domain, alice.local);
    port = await freePort();
    await mkdir(join(base, 'run'), { recursive: true });
    await mkdir(join(base, 'home'), { recursive: true });
    await chownTree(join(base, 'home'), ids.uid, ids.gid);
    await writeFile(
      join(base, 'dovecot.conf'),
      `base_dir = ${base}/run
state_dir = ${base}/state
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
log_path = ${base}/dovecot.log
mail_location = maildir:${mailboxDir}
first_valid_uid = 1
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${base}/home
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Archive {
    special_use = \\Archive
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`,
    );
  });

  afterAll(async () => {
    if (base === undefined) return;
    await stopDovecot();
    if (process.env.IMAP_DEBUG) process.stderr.write(await readFile(join(base, 'dovecot.log'), 'utf8').catch(() => ''));
  });

  let store: MailStore;
  const written = new Map<string, Array<{ uid: number; flags: string[] }>>();
  const validities = new Map<string, number>();

  it('Dovecot reports the UIDs, UIDVALIDITY, flags, keywords and folders everlock wrote', async () => {
    store = openMailStore({ root, watch: false });
    const mb = await store.mailbox(alice);
    await mb.createFolder('Projects/Café');
    const r1 = await mb.append('INBOX', message('first'), { flags: ['\\Seen', '$Forwarded'] });
    const r2 = await mb.append('INBOX', message('second'), { flags: ['\\Flagged', '$Label1', 'NonJunk'] });
    const r3 = await mb.append('INBOX', message('third'));
    const r4 = await mb.append('INBOX', message('fourth'), { flags: ['\\Answered', '\\Draft'] });
    validities.set('INBOX', r1.uidValidity);
    const inbox = await mb.openFolder('INBOX');
    await inbox.expunge([r3.uid]); // a gap in the UIDs
    await inbox.setFlags([r1.uid], 'add', ['\\Deleted']);
    const st = await inbox.sync();
    inbox.release();
    written.set(
      'INBOX',
      st.messages.map((m) => ({ uid: m.uid, flags: [...m.flags].sort() })),
    );
    expect(written.get('INBOX')?.map((m) => m.uid)).toEqual([r1.uid, r2.uid, r4.uid]);
    const child = await mb.append('Projects/Café', message('child'), { flags: ['\\Seen'] });
    written.set('Projects/Café', [{ uid: child.uid, flags: ['\\Seen'] }]);
    validities.set('Projects/Café', child.uidValidity);
    await mb.setSubscribed('Projects/Café', true);
    await store.close();

    await startDovecot();
    const c = await client();
    try {
      const list = await c.list();
      const paths = list.map((l) => l.path).sort();
      expect(paths).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Projects', 'Projects/Café', 'Sent', 'Trash']);
      expect(list.find((l) => l.path === 'Sent')?.specialUse).toBe('\\Sent');
      const subscribed = (await c.list({ statusQuery: {} })).filter((l) => l.subscribed).map((l) => l.path);
      expect(subscribed).toContain('Projects/Café');
      for (const [folder, msgs] of written) {
        const box = await c.mailboxOpen(folder);
        expect(Number(box.uidValidity), folder).toBe(validities.get(folder));
        const got: Array<{ uid: number; flags: string[] }> = [];
        for await (const m of c.fetch('1:*', { uid: true, flags: true })) {
          got.push({ uid: m.uid, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
        }
        expect(got).toEqual(msgs);
        expect(box.uidNext).toBeGreaterThan(Math.max(...msgs.map((m) => m.uid)));
      }
    } finally {
      await c.logout();
    }
  });

  it('everlock reads what Dovecot appended and stored, with Dovecot’s UIDs', async () => {
    const c = await client();
    let appended: { uid: number; uidValidity: number };
    let childUid: number;
    try {
      const res = await c.append('INBOX', message('via dovecot', 'bare LF body\n'), ['\\Seen', '$Dovecot']);
      if (!res || res.uid === undefined) throw new Error('no APPENDUID from Dovecot');
      appended = { uid: res.uid, uidValidity: Number(res.uidValidity) };
      await c.mailboxOpen('INBOX');
      const first = written.get('INBOX')?.[1]?.uid as number;
      await c.messageFlagsAdd(String(first), ['\\Seen', '$FromDovecot'], { uid: true });
      await c.mailboxCreate('Dove/Sub');
      const r = await c.append('Dove/Sub', message('child of dovecot'));
      if (!r || r.uid === undefined) throw new Error('no APPENDUID from Dovecot');
      childUid = r.uid;
    } finally {
      await c.logout();
    }
    await stopDovecot();

    const reopened = openMailStore({ root, watch: false });
    const mb = await reopened.mailbox(alice, { create: false });
    expect((await mb.listFolders()).map((f) => f.name)).toEqual(expect.arrayContaining(['Dove/Sub', 'Projects/Café']));
    const inbox = await mb.openFolder('INBOX');
    const st = await inbox.sync();
    expect(st.uidValidity).toBe(appended.uidValidity);
    const m = st.messages.find((x) => x.uid === appended.uid);
    expect(m).toBeDefined();
    expect([...(m?.flags ?? [])].sort()).toEqual(['$Dovecot', '\\Seen']);
    const body = Buffer.concat(await (await inbox.read(appended.uid)).toArray()).toString('latin1');
    expect(body).toContain('Subject: via dovecot\r\n');
    expect(body.endsWith('bare LF body\r\n')).toBe(true);
    expect(m?.size).toBe(body.length);
    const flagged = st.messages.find((x) => x.uid === written.get('INBOX')?.[1]?.uid);
    expect([...(flagged?.flags ?? [])].sort()).toEqual(['$FromDovecot', '$Label1', 'NonJunk', '\\Flagged', '\\Seen']);
    expect(st.messages.map((x) => x.uid)).toEqual([...(written.get('INBOX') ?? []).map((x) => x.uid), appended.uid]);
    inbox.release();
    const sub = await mb.openFolder('Dove/Sub');
    expect((await sub.sync()).messages.map((x) => x.uid)).toEqual([childUid]);
    sub.release();
    // And everlock's next UID continues after Dovecot's.
    const next = await mb.append('INBOX', message('after dovecot'));
    expect(next.uid).toBeGreaterThan(appended.uid);
    expect(next.uidValidity).toBe(appended.uidValidity);
    await reopened.close();
  });
});
