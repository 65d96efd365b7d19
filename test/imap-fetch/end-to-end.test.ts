// The message-level FETCH and SEARCH through the real listener and Maildir store, with imapflow as the client:
// every fixture APPENDed, then its BODYSTRUCTURE parts downloaded one by one (BODY.PEEK[n]) and compared with
// Python's email package, the ENVELOPE of a non-ASCII header read back, and decoded SEARCH with CHARSET UTF-8.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ImapFlow, type MessageStructureObject } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { toCrlf } from '../../src/mime/canonical.js';
import { startRealServer } from '../imap/real-server.js';

const dir = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const script = fileURLToPath(new URL('../mime/python-structure.py', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.eml') && f !== 'empty.eml')
  .sort();

interface PyNode {
  type: string;
  subtype: string;
  children?: PyNode[];
  message?: PyNode;
  payload?: string;
}

/** Leaf parts with their section numbers; imapflow leaves the body of a non-multipart attached message unnumbered (it is N.1). */
function leaves(n: MessageStructureObject, out: [string, MessageStructureObject][], number = n.part ?? '1'): void {
  if (n.childNodes && n.type.startsWith('multipart/')) for (const c of n.childNodes) leaves(c, out);
  else if (!n.type.startsWith('message/')) out.push([number, n]);
  else for (const c of n.childNodes ?? []) leaves(c, out, c.type.startsWith('multipart/') ? undefined : `${number}.1`);
}

function pyLeaves(n: PyNode, out: PyNode[]): void {
  if (n.children) for (const c of n.children) pyLeaves(c, out);
  else if (n.message) pyLeaves(n.message, out);
  else out.push(n);
}

const clients: ImapFlow[] = [];
afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => c.close());
});

describe('FETCH and SEARCH end to end', async () => {
  const { server } = await startRealServer();
  const c = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false });
  clients.push(c);
  await c.connect();
  for (const name of names) await c.append('INBOX', toCrlf(readFileSync(dir + name)));
  await c.mailboxOpen('INBOX');

  names.forEach((name, i) => {
    it(`${name}: every leaf part downloads byte-exact`, async () => {
      const canonical = toCrlf(readFileSync(dir + name));
      const py = JSON.parse((await execa('python3', [script], { input: canonical })).stdout) as PyNode;
      const msg = await c.fetchOne(String(i + 1), { bodyStructure: true, size: true });
      expect(msg && msg.size).toBe(canonical.length);
      const ours: [string, MessageStructureObject][] = [];
      leaves(msg ? msg.bodyStructure! : ({} as MessageStructureObject), ours);
      const theirs: PyNode[] = [];
      pyLeaves(py, theirs);
      expect(ours.map(([, p]) => p.type)).toEqual(theirs.map((p) => `${p.type}/${p.subtype}`));
      for (let k = 0; k < ours.length; k++) {
        const part = ours[k]![0];
        const got = await c.fetchOne(String(i + 1), { bodyParts: [part] });
        const bytes = got ? got.bodyParts?.get(part) : undefined;
        expect((bytes ?? Buffer.alloc(0)).toString('latin1'), `${name} BODY[${part}]`).toBe(Buffer.from(theirs[k]!.payload ?? '', 'base64').toString('latin1'));
      }
    });
  });

  it('ENVELOPE with raw 8-bit header text', async () => {
    const seq = names.indexOf('non-utf8.eml') + 1;
    const msg = await c.fetchOne(String(seq), { envelope: true });
    expect(msg && msg.envelope?.from?.[0]?.address).toBe('jerome@example.fr');
    expect(msg && msg.envelope?.subject).toContain('café');
  });

  it('SEARCH matches decoded text, case-insensitively', async () => {
    const seq = (n: string): number => names.indexOf(n) + 1;
    expect(await c.search({ subject: 'MÜNCHEN' })).toEqual([seq('alternative.eml')]);
    expect(await c.search({ body: 'järnefors' })).toEqual([seq('encoded-words.eml')]);
    expect(await c.search({ body: 'crème brûlée' })).toEqual([seq('non-utf8.eml')]);
    expect(await c.search({ from: 'andré' })).toEqual([seq('encoded-words.eml')]);
    expect(await c.search({ header: { 'content-language': 'en' } })).toEqual([]);
    expect(await c.search({ text: 'inner html' })).toEqual([seq('rfc822-attached.eml')]);
  });
});
