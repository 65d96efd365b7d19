// Reading the complete lines of an append-only log (uidlist, modseq log) from an offset, a megabyte at a
// time: a 100,000-line file never sits in memory twice (bytes and string) as a whole.
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;

/**
 * Reads bytes [start, end) and hands them to `parse` chunk by chunk; `parse` returns how many bytes of
 * complete lines it consumed (`first`: the chunk starts at the beginning of the file). Returns the offset
 * after the last complete line and how far the file was read; an unterminated last line is left unread.
 */
export async function readCompleteLines(fh: FileHandle, start: number, end: number, parse: (buf: Buffer, first: boolean) => number): Promise<{ offset: number; read: number }> {
  let pos = start;
  let read = start;
  let buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, end - start)));
  while (pos < end) {
    const want = Math.min(buf.length, end - pos);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(buf, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    read = pos + got;
    if (got === 0) break;
    const consumed = parse(buf.subarray(0, got), pos === 0);
    if (consumed === 0) {
      // No complete line in a full buffer: a line longer than the buffer.
      if (got === want && pos + got < end) {
        buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      break;
    }
    pos += consumed;
    if (got < want) break;
  }
  return { offset: pos, read };
}
