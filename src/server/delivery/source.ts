// A message to store or queue: the header lines we add, then the received bytes. A message held in memory (the
// common case) is handed over as one buffer, which the store writes with a single call; a spooled file is read
// into one buffer when small, and streamed when large, so memory stays bounded by SMALL_MESSAGE_BYTES per
// delivery in progress.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { concatCrlf } from '../../mime/canonical.js';

export const SMALL_MESSAGE_BYTES = 256 * 1024;

/**
 * A received message's bytes (CRLF line ends): in memory, or in a spool file. A spool file's first `start`
 * bytes may be replaced by `head` (a rewritten header block), so the body is never copied to change a header.
 */
export type MessageBody =
  | { readonly data: Buffer; readonly path?: undefined }
  | { readonly path: string; readonly data?: undefined; readonly head?: Buffer | undefined; readonly start?: number | undefined };

export async function messageSource(prefix: string, body: MessageBody, size: number): Promise<Buffer | Readable> {
  if (body.data) return prefix ? concatCrlf(prefix, body.data) : body.data;
  if (size <= SMALL_MESSAGE_BYTES) {
    const file = await readFile(body.path);
    return Buffer.concat([Buffer.from(prefix, 'utf8'), body.head ?? Buffer.alloc(0), body.start ? file.subarray(body.start) : file]);
  }
  return composeSource(prefix, body);
}

export function composeSource(prefix: string, body: MessageBody): Readable {
  return Readable.from(
    (async function* () {
      if (prefix) yield Buffer.from(prefix, 'utf8');
      yield* bodyChunks(body);
    })(),
    { objectMode: false },
  );
}

/** The message's bytes as chunks, without a prefix (the spool file is streamed, `head` standing in for its start). */
export async function* bodyChunks(body: MessageBody): AsyncGenerator<Buffer> {
  if (body.data) {
    yield body.data;
    return;
  }
  if (body.head?.length) yield body.head;
  for await (const chunk of createReadStream(body.path, { highWaterMark: 256 * 1024, start: body.start ?? 0 })) yield chunk as Buffer;
}

/** The first `length` bytes of a file, or all of it when shorter (a header block, the start of a message). */
export async function readFileStart(path: string, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const fh = await open(path, 'r');
  try {
    let off = 0;
    while (off < length) {
      const { bytesRead } = await fh.read(buf, off, length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === length ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}
