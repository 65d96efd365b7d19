// A message already in memory, passed where a stream is expected (the store's summarize hook takes a Readable).
// summarizeMessage recognises such a stream and uses the buffer directly: streaming a small buffer through an
// async iterator costs more than summarising it. Any other consumer simply reads the stream. Kept apart from
// summarize.ts so the store can use it without loading the MIME parser.
import { Readable } from 'node:stream';

const whole = new WeakMap<Readable, Buffer>();

export function messageStream(buf: Buffer): Readable {
  const stream = Readable.from([buf]);
  whole.set(stream, buf);
  return stream;
}

/** The buffer behind a messageStream() stream, or undefined for any other stream. */
export function wholeMessage(stream: Readable): Buffer | undefined {
  return whole.get(stream);
}
