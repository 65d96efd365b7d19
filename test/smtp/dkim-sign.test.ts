// The DKIM signer against two independent verifiers, for both algorithms, including oversigned From.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dkimSignMessage } from '../../src/server/dkim-sign.js';
import { dkimTxtValue, generateDkimKey, signingAlgorithm, keyType } from '../../src/dkim/keys.js';
import { tempDir } from '../support/tmp.js';
import { verifyWithDkimverify, verifyWithMailauth } from './dkim-verify.js';

describe('dkimSignMessage', () => {
  it("produces Ed25519 and RSA signatures that mailauth and Debian's dkimverify both accept", async () => {
    const dir = await tempDir();
    const ed = await generateDkimKey('ed25519');
    const rsa = await generateDkimKey('rsa');
    const keys = [
      { selector: 'ed', algorithm: signingAlgorithm(keyType(ed)), privateKey: ed },
      { selector: 'rs', algorithm: signingAlgorithm(keyType(rsa)), privateKey: rsa },
    ];
    const path = join(dir, 'm.eml');
    const body = 'Hello   there \r\n\r\nsecond\tparagraph  \r\n\r\n\r\n';
    await writeFile(path, `From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: hi\r\n  folded\r\n\r\n${body}`);
    const prefix = 'Message-ID: <x@mail.example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n';
    const sig = await dkimSignMessage({ domain: 'example.com', keys, prefix, body: { path } });
    // The same message held in memory gets the same signatures.
    expect(await dkimSignMessage({ domain: 'example.com', keys, prefix, body: { data: await readFile(path) }, now: new Date(Number(/t=(\d+)/.exec(sig)![1]) * 1000) })).toBe(sig);
    expect(sig.match(/^DKIM-Signature:/gm)).toHaveLength(2);
    expect(sig).toMatch(/h=from:[^;]*from:/s);
    const msg = Buffer.from(sig + prefix + `From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: hi\r\n  folded\r\n\r\n${body}`);
    const txt = { 'ed._domainkey.example.com': dkimTxtValue(ed), 'rs._domainkey.example.com': dkimTxtValue(rsa) };
    const ma = await verifyWithMailauth(msg, txt);
    expect(ma.map((r) => r.result)).toEqual(['pass', 'pass']);
    expect(await verifyWithDkimverify(msg, txt)).toEqual([true, true]);

    // A From field added later breaks both (that is what oversigning buys).
    const tampered = Buffer.from(msg.toString('latin1').replace('Message-ID:', 'From: mallory@evil.test\r\nMessage-ID:'), 'latin1');
    expect((await verifyWithMailauth(tampered, txt)).map((r) => r.result)).toEqual(['fail', 'fail']);
    expect(await verifyWithDkimverify(tampered, txt)).toEqual([false, false]);
  });
});
