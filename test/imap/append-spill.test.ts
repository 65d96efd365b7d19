// Large APPEND bodies are written to a temp file while they arrive (session/literal-spool.ts), not held in
// memory: the message is stored byte for byte from the file, the file is gone when the command is done or the
// connection drops, a NUL in a non-binary literal is still refused, and the server's buffers do not grow by
// the message's size while a 40 MB APPEND streams in.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { startRealServer } from './real-server.js';
import { TextWire } from './text-wire.js';

/** A message of `size` bytes: header, then lines of text (CRLF, no NUL unless asked). */
function bigMessage(size: number, id: string): Buffer {
  const head = Buffer.from(`From: a@example.com\r\nSubject: big ${id}\r\nMessage-ID: <${id}@example.com>\r\n\r\n`);
  const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ the quick brown fox\r\n');
  const out = Buffer.alloc(size);
  head.copy(out);
  for (let at = head.length; at < size; at += line.length) line.copy(out, at, 0, Math.min(line.length, size - at));
  out[size - 2] = 0x0d;
  out[size - 1] = 0x0a;
  return out;
}

/** Writes `data` in 64 KB pieces, waiting for the socket to drain, so the sender holds little of it at once. */
async function writeSlowly(socket: net.Socket, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 65536) {
    if (!socket.write(data.subarray(at, at + 65536))) await new Promise((r) => socket.once('drain', r));
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const leftovers = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith('everlock-append-'));

describe('APPEND of a large message', () => {
  it('stores it byte for byte from the spilled file and leaves no file behind (synchronizing and LITERAL+)', async () => {
    const spool = await tempDir('everlock-spill-');
    const { server } = await startRealServer({ spoolDir: spool });
    const wire = await (await TextWire.open(server.port)).login();
    for (const [i, plus] of [[1, false], [2, true]] as const) {
      const msg = bigMessage(3 * 1024 * 1024 + i, `m${i}`);
      const from = wire.text.length;
      wire.socket.write(`a${i} APPEND INBOX {${msg.length}${plus ? '+' : ''}}\r\n`);
      if (!plus) await wire.until(/^\+ /m, from);
      await writeSlowly(wire.socket, msg);
      wire.socket.write('\r\n');
      await wire.until(new RegExp(`a${i} OK \\[APPENDUID \\d+ ${i}\\]`), from, 20_000);
      expect(await leftovers(spool)).toEqual([]);
    }
    // Read both back with a binary-safe client: the sizes and bytes are the ones sent.
    const raw = net.connect(server.port, '127.0.0.1');
    let got = Buffer.alloc(0);
    raw.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    raw.write('l LOGIN alice@example.com secret\r\ns SELECT INBOX\r\nf UID FETCH 1:2 (BODY.PEEK[])\r\n');
    const end = Date.now() + 20_000;
    while (!/\r\nf OK/.test(got.toString('latin1'))) {
      if (Date.now() > end) throw new Error('no FETCH answer');
      await new Promise((r) => setTimeout(r, 20));
    }
    raw.destroy();
    for (const i of [1, 2]) {
      const expected = bigMessage(3 * 1024 * 1024 + i, `m${i}`);
      const text = got.toString('latin1');
      const m = new RegExp(`UID ${i} BODY\\[\\] \\{(\\d+)\\}\\r\\n`).exec(text);
      expect(m, `message ${i}`).not.toBeNull();
      const start = Buffer.byteLength(text.slice(0, m!.index + m![0].length), 'latin1');
      expect(Number(m![1])).toBe(expected.length);
      expect(sha(got.subarray(start, start + expected.length))).toBe(sha(expected));
    }
    wire.socket.destroy();
  });

  it('removes the file of a literal cut off by a disconnect, and refuses a NUL as before', async () => {
    const spool = await tempDir('everlock-spill-');
    const { server } = await startRealServer({ spoolDir: spool });
    const wire = await (await TextWire.open(server.port)).login();
    const from = wire.text.length;
    wire.socket.write('n APPEND INBOX {1000000+}\r\n');
    const nul = bigMessage(1_000_000, 'nul');
    nul[500_000] = 0;
    await writeSlowly(wire.socket, nul);
    wire.socket.write('\r\n');
    expect(await wire.until(/n BAD [^\r]*\r\n/, from)).toMatch(/NUL/);
    expect(await leftovers(spool)).toEqual([]);

    wire.socket.write('c APPEND INBOX {2000000+}\r\n');
    await writeSlowly(wire.socket, bigMessage(1_000_000, 'cut'));
    // Half of it is on disk now.
    const until = Date.now() + 5000;
    while ((await leftovers(spool)).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(await leftovers(spool)).toHaveLength(1);
    await new Promise<void>((r) => {
      wire.socket.once('close', () => r());
      wire.socket.destroy();
    });
    const gone = Date.now() + 5000;
    while ((await leftovers(spool)).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 10));
    expect(await leftovers(spool)).toEqual([]);
  });

  it('does not hold a 40 MB body in memory while it arrives', async () => {
    const spool = await tempDir('everlock-spill-');
    const { server, root } = await startRealServer({ spoolDir: spool });
    const wire = await (await TextWire.open(server.port)).login();
    const msg = bigMessage(40 * 1024 * 1024, 'huge');
    // What is retained, not garbage waiting for a collection: a full GC before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = (): number => {
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    const base = retained();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, retained())), 50);
    const from = wire.text.length;
    wire.socket.write(`h APPEND INBOX {${msg.length}}\r\n`);
    await wire.until(/^\+ /m, from);
    await writeSlowly(wire.socket, msg);
    wire.socket.write('\r\n');
    await wire.until(/h OK \[APPENDUID/, from, 60_000);
    clearInterval(sampler);
    // The test holds the 40 MB message itself (counted in `base`); the server keeps a few read buffers, not a
    // copy (held in memory, the body alone would be 40 MB more, and 80 MB while it was joined).
    expect(peak - base).toBeLessThan(24 * 1024 * 1024);
    const files = await readdir(join(root, 'example.com', 'alice', 'cur')).catch(() => [] as string[]);
    const fresh = await readdir(join(root, 'example.com', 'alice', 'new'));
    expect([...files, ...fresh].some((f) => f.includes(`S=${msg.length}`))).toBe(true);
    expect(await leftovers(spool)).toEqual([]);
    wire.socket.destroy();
  });
});
