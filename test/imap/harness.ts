// Drives an IMAP Session without TCP: a duplex pair, the in-memory store, a fixed user table, and a small
// wire client that understands literals in responses. Used by transcript, fuzz and unit tests.
import { duplexPair, type Duplex } from 'node:stream';
import { silentLogger } from '../../src/log.js';
import type { MailStore } from '../../src/maildir/types.js';
import { AuthThrottle } from '../../src/server/auth-throttle.js';
import type { Authenticator, ImapIdentity } from '../../src/server/imap/auth.js';
import { DEFAULT_LIMITS } from '../../src/server/imap/listener.js';
import { Session, type SessionLimits } from '../../src/server/imap/session/session.js';
import { MemoryStore } from '../support/memory-store.js';

export const USERS: Record<string, { password: string; identity: ImapIdentity }> = {
  'alice@example.com': {
    password: 'secret',
    identity: {
      login: 'alice@example.com',
      personal: { domain: 'example.com', local: 'alice' },
      quotaBytes: 0,
      shared: [{ address: { domain: 'example.com', local: 'support' }, role: 'writer' }],
    },
  },
  'bob@example.com': {
    password: 'hunter2',
    identity: { login: 'bob@example.com', personal: { domain: 'example.com', local: 'bob' }, quotaBytes: 0, shared: [] },
  },
};

export const testAuthenticator: Authenticator = async (login, password) => {
  const u = USERS[login];
  return u && u.password === password ? u.identity : null;
};

/** Reads whole responses (a line plus any literals it announces) from the server side of a connection. */
export class WireClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private ended = false;
  private tagN = 0;
  readonly log: string[] = [];

  constructor(readonly socket: Duplex) {
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get closed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** One complete response; literals kept inline as `{n}\r\n<bytes>`. Rejects on close. */
  async response(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.responseEnd();
      if (end >= 0) {
        const line = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 2);
        this.log.push(line);
        return line;
      }
      if (this.ended) throw new Error('connection closed; got so far: ' + this.log.slice(-5).join(' | '));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a response; last: ' + this.log.slice(-5).join(' | '));
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Index of the CRLF ending the first full response, or -1. */
  private responseEnd(): number {
    let from = 0;
    for (;;) {
      const crlf = this.buf.indexOf('\r\n', from);
      if (crlf < 0) return -1;
      const m = /~?\{(\d+)\+?\}$/.exec(this.buf.toString('latin1', Math.max(from, crlf - 24), crlf));
      if (!m) return crlf;
      const next = crlf + 2 + Number(m[1]);
      if (this.buf.length < next) return -1;
      from = next;
    }
  }

  nextTag(): string {
    return `t${++this.tagN}`;
  }

  /** Sends `tag command` and returns every response up to and including the tagged one. */
  async command(command: string | Buffer, tag = this.nextTag()): Promise<string[]> {
    this.write(Buffer.concat([Buffer.from(tag + ' '), Buffer.isBuffer(command) ? command : Buffer.from(command, 'utf8'), Buffer.from('\r\n')]));
    return this.until(tag);
  }

  async until(tag: string, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const r = await this.response(timeoutMs);
      out.push(r);
      if (r.startsWith(tag + ' ')) return out;
    }
  }
}

export interface Harness {
  readonly client: WireClient;
  readonly session: Session;
  readonly store: MailStore;
  /** Another connection to the same store. */
  connect(): Promise<Harness>;
}

export interface HarnessOptions {
  readonly store?: MailStore;
  readonly limits?: Partial<SessionLimits>;
  readonly secure?: boolean;
  readonly allowInsecureAuth?: boolean;
  readonly throttle?: AuthThrottle;
}

export async function openSession(opts: HarnessOptions = {}): Promise<Harness> {
  const store = opts.store ?? new MemoryStore();
  const [serverSide, clientSide] = duplexPair();
  const session = new Session(serverSide, {
    store,
    authenticate: testAuthenticator,
    throttle: opts.throttle ?? new AuthThrottle({ maxFailures: 1000, lockoutSeconds: 1 }),
    log: silentLogger,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    secure: opts.secure ?? true,
    allowInsecureAuth: opts.allowInsecureAuth ?? false,
    remoteAddress: '127.0.0.1',
  });
  const client = new WireClient(clientSide);
  session.start();
  await client.response();
  return { client, session, store, connect: () => openSession({ ...opts, store }) };
}

/** A logged-in session with INBOX selected. */
export async function selectedSession(opts: HarnessOptions = {}): Promise<Harness> {
  const h = await openSession(opts);
  await h.client.command('LOGIN alice@example.com secret');
  await h.client.command('SELECT INBOX');
  return h;
}

export function tagged(lines: string[]): string {
  return lines[lines.length - 1]!;
}

export const SAMPLE = (n: number, subject = `Message ${n}`): string =>
  `From: Sender ${n} <sender${n}@example.org>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nMessage-ID: <m${n}@example.org>\r\nDate: Mon, 2 Nov 2026 10:0${n % 10}:00 +0000\r\n\r\nBody of message ${n}.\r\n`;

/** APPENDs a message through the wire (LITERAL+). */
export async function appendMessage(client: WireClient, folder: string, body: string, flags = ''): Promise<string[]> {
  const data = Buffer.from(body, 'utf8');
  return client.command(Buffer.concat([Buffer.from(`APPEND ${folder} ${flags ? `(${flags}) ` : ''}{${data.length}+}\r\n`), data]));
}
