// Independent clients against the real listener over the Maildir store: Python imaplib (through execa),
// mbsync (isync) for a two-way sync, TLS (implicit and STARTTLS) checked with node's TLS client.
import { execa } from 'execa';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';
import { SAMPLE } from './harness.js';
import { startRealServer } from './real-server.js';
import { mbsyncSetup } from './mbsync.js';

const PY = String.raw`
import imaplib, json, sys
port = int(sys.argv[1])
out = {}
m = imaplib.IMAP4('127.0.0.1', port)
out['caps'] = sorted(m.capabilities)
out['login'] = m.login('alice@example.com', 'secret')[0]
typ, data = m.list()
out['list'] = [d.decode() for d in data]
msg = b'From: py@example.org\r\nSubject: from python\r\nMessage-ID: <py1@example.org>\r\n\r\nhello from imaplib\r\n'
typ, data = m.append('INBOX', '(\\Flagged)', imaplib.Time2Internaldate(1700000000), msg)
out['append'] = [typ, data[0].decode()]
typ, data = m.select('INBOX')
out['select'] = [typ, data[0].decode()]
typ, data = m.fetch('1', '(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])')
out['fetch_body'] = data[0][1].decode()
out['fetch_head'] = data[0][0].decode()
typ, data = m.search(None, 'SUBJECT', '"python"')
out['search'] = data[0].decode()
typ, data = m.store('1', '+FLAGS', '(\\Seen)')
out['store'] = data[0].decode()
typ, data = m.copy('1', 'Archive')
out['copy'] = typ
typ, data = m.uid('FETCH', '1', '(UID FLAGS)')
out['uid_fetch'] = data[0].decode()
m.store('1', '+FLAGS', '(\\Deleted)')
typ, data = m.expunge()
out['expunge'] = [typ, [d.decode() if d else None for d in data]]
typ, data = m.status('Archive', '(MESSAGES UIDNEXT)')
out['status'] = data[0].decode()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;

describe('Python imaplib', () => {
  it('runs a full session', async () => {
    const { server } = await startRealServer();
    const { stdout } = await execa('python3', ['-c', PY, String(server.port)]);
    const r = JSON.parse(stdout) as Record<string, unknown>;
    expect(r.caps).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'LITERAL+', 'AUTH=PLAIN']));
    expect(r.login).toBe('OK');
    expect((r.list as string[]).some((l) => l.endsWith('"/" INBOX'))).toBe(true);
    expect((r.append as string[])[0]).toBe('OK');
    expect((r.append as string[])[1]).toMatch(/^\[APPENDUID \d+ 1\]/);
    expect(r.select).toEqual(['OK', '1']);
    expect(r.fetch_body).toBe('From: py@example.org\r\nSubject: from python\r\nMessage-ID: <py1@example.org>\r\n\r\nhello from imaplib\r\n');
    expect(r.fetch_head).toMatch(/FLAGS \(\\Flagged( \\Recent)?\) INTERNALDATE "[^"]+" RFC822.SIZE 97 BODY\[\] \{\d+\}/);
    expect(r.fetch_head).toMatch(/INTERNALDATE "14-Nov-2023 /);
    expect(r.search).toBe('1');
    expect(r.store).toMatch(/1 \(FLAGS \(.*\\Seen.*\)\)/);
    expect(r.copy).toBe('OK');
    expect(r.uid_fetch).toMatch(/UID 1 FLAGS/);
    expect(r.expunge).toEqual(['OK', ['1']]);
    expect(r.status).toMatch(/Archive \(MESSAGES 1 UIDNEXT 2\)/);
    expect(r.logout).toBe('BYE');
  });
});

describe('mbsync', () => {
  it('syncs both ways with a local Maildir', async () => {
    const { server, store } = await startRealServer();
    const box = await store.mailbox({ domain: 'example.com', local: 'alice' }, { create: true });
    await box.append('INBOX', Buffer.from(SAMPLE(1)), { flags: ['\\Seen'] });
    await box.append('INBOX', Buffer.from(SAMPLE(2)));
    await box.append('Sent', Buffer.from(SAMPLE(3)));
    const { local, run } = await mbsyncSetup(server.port, 'Patterns *\nCreate Both\nExpunge Both');
    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    const inboxFiles = [...(await readdir(join(local, 'INBOX', 'cur'))), ...(await readdir(join(local, 'INBOX', 'new')))];
    expect(inboxFiles).toHaveLength(2);
    expect([...(await readdir(join(local, 'Sent', 'cur'))), ...(await readdir(join(local, 'Sent', 'new')))]).toHaveLength(1);
    const seenFile = (await readdir(join(local, 'INBOX', 'cur'))).find((f) => /,[A-Z]*S[A-Z]*$/.test(f));
    expect(seenFile).toBeDefined();
    expect(await readFile(join(local, 'INBOX', 'cur', seenFile!), 'utf8')).toContain('Subject: Message 1');

    // Local changes go up: a new message in Archive, the second INBOX message flagged.
    await mkdir(join(local, 'Archive', 'cur'), { recursive: true });
    await writeFile(join(local, 'Archive', 'cur', `1700000000.1.local,U=0:2,S`), SAMPLE(4).replace(/\r\n/g, '\n'));
    const second = await run();
    expect(second.exitCode, second.stderr).toBe(0);
    const archive = await box.status('Archive');
    expect(archive.messages).toBe(1);
    const third = await run();
    expect(third.exitCode, third.stderr).toBe(0);

    // Both ways at once: locally the unseen message is flagged and the seen one trashed; on the server a new
    // message arrives and the Sent message is answered.
    const curFiles = async (folder: string): Promise<string[]> => readdir(join(local, folder, 'cur'));
    await Promise.all(
      (await readdir(join(local, 'INBOX', 'new'))).map((f) => rename(join(local, 'INBOX', 'new', f), join(local, 'INBOX', 'cur', f.includes(':2,') ? f : `${f}:2,`))),
    );
    for (const f of await curFiles('INBOX')) {
      const [base, flags = ''] = f.split(':2,');
      const next = flags.includes('S') ? 'ST' : [...new Set([...flags, 'F'])].sort().join('');
      await rename(join(local, 'INBOX', 'cur', f), join(local, 'INBOX', 'cur', `${base}:2,${next}`));
    }
    await box.append('INBOX', Buffer.from(SAMPLE(5, 'Arrived on the server')));
    const sent = await box.openFolder('Sent');
    await sent.setFlags([(await sent.sync()).messages[0]!.uid], 'add', ['\\Answered']);
    sent.release();
    const fourth = await run();
    expect(fourth.exitCode, fourth.stderr).toBe(0);

    const inbox = await box.openFolder('INBOX');
    const remote = (await inbox.sync()).messages;
    inbox.release();
    // The trashed message was expunged on the server; the flag went up; the new message is still there.
    expect(remote.map((m) => m.uid)).toEqual([2, 3]);
    expect(remote[0]!.flags).toContain('\\Flagged');
    const localInbox = [
      ...(await curFiles('INBOX')).map((f) => join(local, 'INBOX', 'cur', f)),
      ...(await readdir(join(local, 'INBOX', 'new'))).map((f) => join(local, 'INBOX', 'new', f)),
    ];
    expect(localInbox).toHaveLength(2);
    const bodies = await Promise.all(localInbox.map((f) => readFile(f, 'utf8')));
    expect(bodies.some((b) => b.includes('Subject: Arrived on the server'))).toBe(true);
    expect((await curFiles('Sent')).some((f) => /:2,[A-Z]*R/.test(f))).toBe(true);
    // A further run finds nothing to do and changes nothing.
    const fifth = await run();
    expect(fifth.exitCode, fifth.stderr).toBe(0);
    const settled = await box.openFolder('INBOX');
    expect((await settled.sync()).messages.map((m) => m.uid)).toEqual([2, 3]);
    settled.release();
  });
});

describe('TLS', () => {
  it('implicit TLS and STARTTLS (TLS >= 1.2), LOGINDISABLED before STARTTLS', async () => {
    const { key, cert } = createSelfSignedCertificate({ names: ['localhost'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    const tlsOpts = () => ({ key, cert });
    const implicit = await startRealServer({ implicitTls: true, tls: tlsOpts, allowInsecureAuth: false });
    const lines = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: implicit.server.port, rejectUnauthorized: false, servername: 'localhost' }, () => {
        expect(['TLSv1.2', 'TLSv1.3']).toContain(s.getProtocol());
        s.write('a LOGIN alice@example.com secret\r\n');
      });
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (/\r\na OK/.test(buf)) {
          s.end();
          resolve(buf);
        }
      });
      s.on('error', reject);
    });
    expect(lines).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN/);
    expect(lines).toMatch(/a OK \[CAPABILITY/);

    const plain = await startRealServer({ implicitTls: false, tls: tlsOpts, allowInsecureAuth: false });
    const result = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(plain.server.port, '127.0.0.1');
      let buf = '';
      let upgraded = false;
      const onData = (d: Buffer) => {
        buf += d.toString();
        if (!upgraded && /\r\ns1 OK/.test(buf)) {
          upgraded = true;
          sock.off('data', onData);
          const secure = tls.connect({ socket: sock, rejectUnauthorized: false, servername: 'localhost' }, () => secure.write('c1 CAPABILITY\r\nc2 LOGIN alice@example.com secret\r\n'));
          secure.on('data', (x: Buffer) => {
            buf += x.toString();
            if (/c2 (OK|NO)/.test(buf)) {
              secure.end();
              resolve(buf);
            }
          });
          secure.on('error', reject);
        }
      };
      sock.on('data', onData);
      sock.write('p1 LOGIN alice@example.com secret\r\ns1 STARTTLS\r\n');
    });
    expect(result).toMatch(/^\* OK \[CAPABILITY [^\]]*STARTTLS LOGINDISABLED/);
    expect(result).not.toMatch(/^\* OK \[CAPABILITY [^\]]*AUTH=/);
    expect(result).toMatch(/p1 NO \[PRIVACYREQUIRED\]/);
    expect(result).toMatch(/\* CAPABILITY IMAP4rev1 [^\r]*AUTH=PLAIN/);
    expect(result).not.toMatch(/\* CAPABILITY [^\r]*STARTTLS/);
    expect(result).toMatch(/c2 OK/);
  });
});
