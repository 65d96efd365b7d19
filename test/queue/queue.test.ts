// The outbound queue against a loopback "remote MX": retries after 451s, a DSN in the sender's INBOX after a
// 550, and a worker process killed mid-delivery and started again: nothing lost, nothing sent twice.
import { execa, type ResultPromise } from 'execa';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/config/paths.js';
import { QueueFiles } from '../../src/server/queue/files.js';
import { eventually, startHarness, writeHome, type Harness } from '../smtp/harness.js';
import { startRemoteMx, type RemoteMx } from '../smtp/remote-mx.js';
import { tempDir } from '../support/tmp.js';

const USERS = { alice: { password: 'alice-pw', toml: 'addresses = ["alice@example.com"]\n' } };
const DOMAINS = { 'example.com': 'enabled = true\n' };

describe('outbound queue', () => {
  let h: Harness;
  let mx: RemoteMx;
  beforeAll(async () => {
    mx = await startRemoteMx();
    h = await startHarness({ domains: DOMAINS, users: USERS, only: ['submission', 'queue'], server: { routes: new Map([['remote.test', `127.0.0.1:${mx.port}`]]) } });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await mx.close();
  });

  const submit = async (to: string, subject: string) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, auth: { user: 'alice', pass: 'alice-pw' }, tls: { rejectUnauthorized: false } });
    await t.sendMail({ from: 'alice@example.com', to, subject, text: 'body of ' + subject });
    t.close();
  };
  const queueEmpty = async () => (await new QueueFiles(dataFiles.queue(h.paths)).ids()).length === 0;

  it('retries after 451 twice and delivers on the third attempt', async () => {
    mx.script = [451, 451];
    mx.dataAttempts = 0;
    await submit('carol@remote.test', 'retry me');
    const got = await eventually(async () => mx.received.find((r) => r.data.toString().includes('Subject: retry me')), 15_000);
    expect(got.to).toEqual(['carol@remote.test']);
    expect(mx.dataAttempts).toBe(3);
    await eventually(queueEmpty);
  });

  it('bounces a 550 with an RFC 3464 DSN into the sender INBOX', async () => {
    mx.script = [550];
    await submit('dave@remote.test', 'doomed');
    const dsn = await eventually(async () => (await h.messages('alice@example.com')).find((m) => m.includes('multipart/report')), 15_000);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(dsn).toContain('Final-Recipient: rfc822; dave@remote.test');
    expect(dsn).toContain('Action: failed');
    expect(dsn).toContain('Status: 5.7.1');
    expect(dsn).toContain('Subject: doomed');
    expect(dsn).toMatch(/^Return-Path: <>/);
    expect(mx.received.some((r) => r.data.toString().includes('Subject: doomed'))).toBe(false);
    await eventually(queueEmpty);
  });
});

describe('queue worker crash', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let mx: RemoteMx;
  const children: ResultPromise[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await mx?.close();
  });

  const startWorker = async (home: string): Promise<{ child: ResultPromise }> => {
    const child = execa(
      `${root}node_modules/.bin/node`,
      ['--experimental-transform-types', '--no-warnings', '--import', './test/queue/register-loader.mjs', 'test/queue/worker-child.ts', home, JSON.stringify({ 'remote.test': `127.0.0.1:${mx.port}` }), '30'],
      { cwd: root, reject: false, buffer: false },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('worker ready')) resolve();
      });
      void child.then((r) => reject(new Error(`worker exited: ${String(r.stderr ?? r.exitCode)}`)));
    });
    // Wrapped: a ResultPromise is a thenable, and returning it bare would wait for the process to exit.
    return { child };
  };

  beforeAll(async () => {
    mx = await startRemoteMx();
  });

  it('loses nothing and sends nothing twice when killed mid-queue', async () => {
    const home = await tempDir('everlock-crash-');
    await writeHome(home, { domains: DOMAINS, users: USERS });
    const files = new QueueFiles(dataFiles.queue({ config: home, data: home }));
    const N = 12;
    for (let i = 0; i < N; i++) {
      const now = Date.now();
      await files.enqueue(
        { from: 'alice@example.com', dsnTo: 'alice@example.com', senderDomain: 'example.com', recipients: [{ address: `r${i}@remote.test`, state: 'pending', attempts: 0 }], messageId: `<m${i}@x>`, created: now, nextAttempt: now, attempts: 0 },
        Buffer.from(`Message-ID: <m${i}@x>\r\nSubject: crash ${i}\r\n\r\nbody ${i}\r\n`),
      );
    }
    // The MX answers three messages and then holds every further DATA unanswered: the kill below lands while
    // deliveries are in flight, but never between a remote 250 and our journal write (that window is the one
    // place where any MTA may send twice).
    mx.acceptLimit = 3;
    const { child: first } = await startWorker(home);
    await eventually(async () => (await files.ids()).length === N - 3 && mx.dataAttempts > 3, 15_000);
    first.kill('SIGKILL');
    await first.catch(() => undefined);
    expect(mx.received).toHaveLength(3);
    const left = await files.list();
    expect(left.some((e) => e.inflight)).toBe(true);

    mx.acceptLimit = Infinity;
    const { child: second } = await startWorker(home);
    await eventually(async () => (await files.ids()).length === 0, 20_000);
    second.kill('SIGTERM');
    await second.catch(() => undefined);
    // A kill between an entry's two unlinks (envelope first, then message) leaves a message file without an
    // envelope: the worker's orphan sweep removes those. Anything else left over would be a lost entry.
    await files.sweepOrphans(0);
    expect((await readdir(dataFiles.queue({ config: home, data: home }))).filter((n) => !n.startsWith('.'))).toEqual([]);

    const subjects = mx.received.map((r) => /Subject: (crash \d+)/.exec(r.data.toString())?.[1]).sort();
    expect(subjects).toHaveLength(N);
    expect(new Set(subjects).size).toBe(N);
  });
});
