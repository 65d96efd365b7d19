// A message to store or queue, composed without buffering: header lines we add, then the spooled file.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export function composeSource(prefix: string, path: string): Readable {
  return Readable.from(
    (async function* () {
      if (prefix) yield Buffer.from(prefix, 'utf8');
      for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    })(),
    { objectMode: false },
  );
}
