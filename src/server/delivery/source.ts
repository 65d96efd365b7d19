// A message to store or queue: the header lines we add, then the spooled file. Small messages (the common
// case) are handed over as one buffer, which the store writes with a single call; larger ones stream from the
// file so memory stays bounded by SMALL_MESSAGE_BYTES per delivery in progress.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

export const SMALL_MESSAGE_BYTES = 256 * 1024;

export async function messageSource(prefix: string, path: string, size: number): Promise<Buffer | Readable> {
  if (size <= SMALL_MESSAGE_BYTES) return Buffer.concat([Buffer.from(prefix, 'utf8'), await readFile(path)]);
  return composeSource(prefix, path);
}

export function composeSource(prefix: string, path: string): Readable {
  return Readable.from(
    (async function* () {
      if (prefix) yield Buffer.from(prefix, 'utf8');
      for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    })(),
    { objectMode: false },
  );
}
