// A bare IMAP connection for tests that watch unsolicited responses (IDLE pushes, \Recent): everything
// received is kept as text, so a wait can look for any pattern after a mark (a `text.length` taken earlier).
import net from 'node:net';
import { expect } from 'vitest';

export class TextWire {
  text = '';
  private waiters: Array<() => void> = [];
  private n = 0;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.text += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** A connection to `port` (of the class it is called on), once connected. */
  static open<T extends TextWire>(this: new (socket: net.Socket) => T, port: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new this(s)));
      s.once('error', reject);
    });
  }

  /** Waits for the greeting and logs in (the login must succeed). */
  async login(user = 'alice@example.com', password = 'secret'): Promise<this> {
    await this.until(/^\* OK/);
    await this.command(`LOGIN ${user} ${password}`, { ok: true });
    return this;
  }

  /** Resolves with the text after `from` once `pattern` matches it, and with performance.now() at that moment. */
  untilAt(pattern: RegExp, from = 0, timeoutMs = 5000): Promise<{ text: string; at: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got: ${this.text.slice(from)}`)), timeoutMs);
      const check = (): void => {
        if (pattern.test(this.text.slice(from))) {
          clearTimeout(timer);
          resolve({ text: this.text.slice(from), at: performance.now() });
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** The text after `from` once `pattern` matches it. */
  async until(pattern: RegExp, from = 0, timeoutMs = 5000): Promise<string> {
    return (await this.untilAt(pattern, from, timeoutMs)).text;
  }

  /** Sends a command under a fresh tag and resolves with everything up to its tagged response; with `ok`, a NO or BAD fails the test. */
  async command(cmd: string, opts: { ok?: boolean } = {}): Promise<string> {
    const tag = `c${++this.n}`;
    const from = this.text.length;
    this.socket.write(`${tag} ${cmd}\r\n`);
    const out = await this.until(new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`), from);
    if (opts.ok) expect(out, cmd).toMatch(new RegExp(`(^|\\r\\n)${tag} OK`));
    return out;
  }

  /** Starts IDLE; resolves with the mark after the continuation, from which pushes are looked for. */
  async idle(): Promise<number> {
    const from = this.text.length;
    this.socket.write('i IDLE\r\n');
    await this.until(/^\+ /m, from);
    return this.text.length;
  }

  async done(): Promise<string> {
    const from = this.text.length;
    this.socket.write('DONE\r\n');
    return this.until(/(^|\r\n)i OK IDLE terminated\r\n/, from);
  }

  close(): void {
    this.socket.end('z LOGOUT\r\n');
  }
}
