// A message to store or queue: the header lines we add, then the received bytes. A message held in memory (the
// common case) is handed over as one buffer, which the store writes with a single call; a spooled file is read
// into one buffer when small, and streamed when large, so memory stays bounded by SMALL_MESSAGE_BYTES per
// delivery in progress.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

export const SMALL_MESSAGE_BYTES = 256 * 1024;

/** A received message's bytes (CRLF line ends): in memory, or in a spool file. */
export type MessageBody = { readonly data: Buffer; readonly path?: undefined } | { readonly path: string; readonly data?: undefined };

export async function messageSource(prefix: string, body: MessageBody, size: number): Promise<Buffer | Readable> {
  if (body.data) return prefix ? Buffer.concat([Buffer.from(prefix, 'utf8'), body.data]) : body.data;
  if (size <= SMALL_MESSAGE_BYTES) return Buffer.concat([Buffer.from(prefix, 'utf8'), await readFile(body.path)]);
  return composeSource(prefix, body.path);
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
