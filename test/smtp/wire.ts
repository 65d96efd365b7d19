// A raw SMTP line client for tests that need exact replies (codes, enhanced codes, pipelining).
import { connect, type Socket } from 'node:net';

export interface Reply {
  readonly code: number;
  readonly lines: string[];
  /** All lines joined, e.g. "550 5.1.1 No such user here". */
  readonly text: string;
}

export class WireClient {
  private buf = '';
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.flush();
    });
    socket.on('close', () => {
      this.closed = true;
      this.flush();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<WireClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new WireClient(socket);
  }

  private flush(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Next complete reply (possibly multi-line). */
  async reply(timeoutMs = 5000): Promise<Reply> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buf.split('\r\n');
      let n = 0;
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!) || /^\d{3}$/.test(lines[i]!)) {
          n = i + 1;
          break;
        }
      }
      if (n) {
        const taken = lines.slice(0, n);
        this.buf = lines.slice(n).join('\r\n');
        return { code: Number(taken[n - 1]!.slice(0, 3)), lines: taken, text: taken.join('\n') };
      }
      if (this.closed) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buf)}`);
      if (Date.now() > end) throw new Error(`no reply; buffered: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async cmd(line: string): Promise<Reply> {
    this.socket.write(line + '\r\n');
    return this.reply();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** This end's port: the server's socket for this connection has it as its remote port. */
  get localPort(): number {
    return this.socket.localPort!;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
