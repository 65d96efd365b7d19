// Large APPEND bodies go to a temp file while they arrive (the framer's spill, tokenizer.ts) instead of being
// held in memory: a 50 MB APPEND (APPENDLIMIT) from each of a few clients at once would otherwise take that
// much memory each, and more while it was joined into one buffer. As Dovecot's mail_temp_dir: the file is
// private (0600, a name nobody can guess), written as the bytes come, read once by APPEND into the Maildir
// and removed when the command is done, whatever its outcome, or when the connection goes.
// Writes are synchronous: framing is a synchronous loop, and a 64 KB write into the page cache takes tens of
// microseconds. A write that fails (disk full) does not end the session: the literal is still read to its
// end, and APPEND answers NO.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LiteralSink, LiteralSpill, SpilledLiteral } from '../protocol/tokenizer.js';

/** Literals of APPEND from this size up are spilled; smaller ones are cheaper held. */
export const SPILL_MIN_BYTES = 256 * 1024;

/** The spill for a session: APPEND literals of SPILL_MIN_BYTES or more go to files in `dir`. */
export function appendSpill(dir: string, minBytes = SPILL_MIN_BYTES): LiteralSpill {
  return (firstLine, size) => (size >= minBytes && isAppend(firstLine) ? new FileSink(dir) : undefined);
}

/** `tag SP "APPEND" SP …`, case-insensitively. */
function isAppend(line: Buffer): boolean {
  const sp = line.indexOf(0x20);
  return sp > 0 && line.length > sp + 7 && line.toString('latin1', sp + 1, sp + 8).toUpperCase() === 'APPEND ';
}

/** The pattern of every spill file's name (what a start-up cleanup may remove). */
export const APPEND_FILE_NAME = /^everlock-append-\d+-[0-9a-f]+$/;

const madeDirs = new Set<string>();

class FileSink implements LiteralSink {
  private readonly path: string;
  private fd = -1;
  private size = 0;
  private hasNul = false;
  private failed: unknown;

  constructor(dir: string) {
    this.path = join(dir, `everlock-append-${process.pid}-${randomBytes(9).toString('hex')}`);
    try {
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        madeDirs.add(dir);
      }
      this.fd = openSync(this.path, 'wx', 0o600);
    } catch (err) {
      this.failed = err;
    }
  }

  write(chunk: Buffer): void {
    this.size += chunk.length;
    if (!this.hasNul && chunk.includes(0)) this.hasNul = true;
    if (this.failed !== undefined) return;
    try {
      for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at, chunk.length - at);
    } catch (err) {
      this.failed = err;
    }
  }

  finish(): SpilledLiteral {
    this.closeFd();
    const path = this.path;
    let gone = false;
    const discard = (): void => {
      if (gone) return;
      gone = true;
      removeQuietly(path);
    };
    if (this.failed !== undefined) discard();
    return { path, size: this.size, hasNul: this.hasNul, failed: this.failed !== undefined, discard };
  }

  abort(): void {
    this.closeFd();
    removeQuietly(this.path);
  }

  private closeFd(): void {
    if (this.fd === -1) return;
    try {
      closeSync(this.fd);
    } catch {
      // closing is all that was left to do
    }
    this.fd = -1;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created, or already gone
  }
}
