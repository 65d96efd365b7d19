// Sends the same IMAP command sequences to a real Dovecot and to everlock over raw sockets and records both
// transcripts; compare.ts puts them in canonical form (canonical.ts: what may differ between two correct
// servers, and order where the RFCs define none) and forgives the differences docs/imap.md lists as kept on
// purpose (kept.ts). It needs root and dovecot-imapd (part of `npm test` in CI; `npm run compare:dovecot`
// alone); the report goes to $DOVECOT_DIFF_OUT (default /tmp/dovecot-diff.txt); a scenario fails when
// anything else differs, and the report says what.
import { execa, type ResultPromise } from 'execa';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { openMailStore } from '../../../src/maildir/index.js';
import type { Authenticator } from '../../../src/server/imap/auth.js';
import { startImapServer } from '../../../src/server/imap/listener.js';
import { chownTree, freePort, hasDovecot, userIds, waitForPort } from '../../support/dovecot.js';
import { tempDir } from '../../support/tmp.js';
import type { Scenario } from './scenarios.js';

export function dovecotRunnable(): boolean {
  return process.getuid?.() === 0 && hasDovecot() && userIds('dovecot') !== undefined && userIds('dovenull') !== undefined;
}

export interface Servers {
  readonly dovecotPort: number;
  readonly everlockPort: number;
  stop(): Promise<void>;
}

export async function startServers(): Promise<Servers> {
  const base = await tempDir('everlock-dovediff-');
  await chmod(base, 0o755);
  const dv = userIds('dovecot');
  if (!dv) throw new Error('system user dovecot is missing');
  for (const d of ['run', 'home', 'mail', 'state']) await mkdir(join(base, d), { recursive: true });
  await chownTree(join(base, 'home'), dv.uid, dv.gid);
  await chownTree(join(base, 'mail'), dv.uid, dv.gid);
  const dovecotPort = await freePort();
  const specials = ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive']
    .map((n) => `  mailbox ${n} {\n    auto = subscribe\n    special_use = \\${n}\n  }`)
    .join('\n');
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
mail_location = maildir:${base}/mail/%u
first_valid_uid = 1
imap_max_line_length = 64k
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${base}/home/%u
}
namespace inbox {
  inbox = yes
  separator = /
  # everlock subscribes INBOX in a new mailbox, as it does the special-use folders
  mailbox INBOX {
    auto = subscribe
  }
${specials}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${dovecotPort}
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
  const dovecot: ResultPromise = execa('dovecot', ['-F', '-c', join(base, 'dovecot.conf')], { reject: false });
  await waitForPort(dovecotPort);

  const store = openMailStore({ root: join(base, 'everlock'), fsync: false, pollMs: 100 });
  const authenticate: Authenticator = async (login, password) =>
    password === 'secret' ? { login, personal: { domain: 'example.com', local: login }, quotaBytes: 0, shared: [] } : null;
  const server = await startImapServer({ store, authenticate, implicitTls: false, allowInsecureAuth: true, host: '127.0.0.1', port: 0 });
  return {
    dovecotPort,
    everlockPort: server.port,
    async stop() {
      await server.stop(Date.now() + 1000);
      await store.close();
      dovecot.kill('SIGTERM');
      await dovecot;
    },
  };
}

/** A raw connection that reads whole responses (literals inline). */
class Raw {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<Raw> {
    const socket = net.createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Raw(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(s: string | Buffer): void {
    this.socket.write(s);
  }

  private take(): string | undefined {
    let from = 0;
    for (;;) {
      const crlf = this.buf.indexOf('\r\n', from);
      if (crlf < 0) return undefined;
      const m = /~?\{(\d+)\+?\}$/.exec(this.buf.toString('latin1', Math.max(from, crlf - 24), crlf));
      if (!m) {
        const line = this.buf.toString('latin1', 0, crlf);
        this.buf = this.buf.subarray(crlf + 2);
        return line;
      }
      const next = crlf + 2 + Number(m[1]);
      if (this.buf.length < next) return undefined;
      from = next;
    }
  }

  /** Next response, or undefined after `ms` without one. */
  async next(ms: number): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = this.take();
      if (r !== undefined) return r;
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs a scenario against one server; returns the transcript (C: and S: lines). */
export async function runScenario(port: number, user: string, sc: Scenario): Promise<string[]> {
  const conns = new Map<number, Raw>();
  const out: string[] = [];
  const conn = async (n: number): Promise<Raw> => {
    let c = conns.get(n);
    if (c) return c;
    c = await Raw.open(port);
    conns.set(n, c);
    await c.next(3000);
    if (sc.login !== false) {
      c.write(`L LOGIN ${user} secret\r\n`);
      for (;;) {
        const r = await c.next(3000);
        if (r === undefined || r.startsWith('L ')) break;
      }
    }
    return c;
  };
  try {
    for (const step of sc.steps) {
      const m = /^(?:@(\d+) )?(.*)$/s.exec(step)!;
      const n = Number(m[1] ?? 1);
      const text = m[2]!;
      const c = await conn(n);
      const pre = n === 1 ? '' : `@${n} `;
      if (text.startsWith('wait ')) {
        await new Promise((r) => setTimeout(r, Number(text.slice(5))));
        continue;
      }
      if (text === 'drain') {
        for (;;) {
          const r = await c.next(300);
          if (r === undefined) break;
          out.push(`${pre}S: ${r}`);
        }
        continue;
      }
      out.push(`${pre}C: ${text.replace(/\r\n/g, '\\r\\n')}`);
      // `!` at the end: do not wait for a completion (IDLE's continuation or a literal's `+` is read instead).
      const noWait = text.endsWith(' !');
      const payload = noWait ? text.slice(0, -2) : text;
      c.write(payload + '\r\n');
      const tag = /^(\S+) /.exec(payload)?.[1];
      const doneTag = payload === 'DONE' ? sc.steps.slice(0, sc.steps.indexOf(step)).reverse().find((s) => / IDLE/i.test(s))?.replace(/^@\d+ /, '').split(' ')[0] : undefined;
      for (;;) {
        const r = await c.next(noWait ? 500 : 4000);
        if (r === undefined) {
          if (!noWait) out.push(`${pre}S: <no response>`);
          break;
        }
        out.push(`${pre}S: ${r}`);
        if (noWait && r.startsWith('+')) break;
        const t = doneTag ?? tag;
        if (t && r.startsWith(t + ' ')) break;
        if (r.startsWith('* BYE')) {
          const more = await c.next(500);
          if (more !== undefined) out.push(`${pre}S: ${more}`);
          break;
        }
      }
    }
  } finally {
    for (const c of conns.values()) c.close();
  }
  return out;
}
