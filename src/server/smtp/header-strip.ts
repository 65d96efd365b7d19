// Removing whole header fields from a received message without touching anything else: only the header
// block is rewritten, byte for byte apart from the removed fields. A message in memory gets a new buffer; a
// spooled one keeps its file and gets a replacement for the file's header bytes, so the body is streamed as
// received and memory stays bounded. Used for forged Authentication-Results (forged-auth-results.ts) and the
// fields no relayed or stored message keeps (dropped-fields.ts).
import { readFileStart, type MessageBody } from '../delivery/source.js';
import type { HeaderField } from './headers.js';

export interface StoredMessage {
  readonly body: MessageBody;
  readonly size: number;
  readonly headers: readonly HeaderField[];
  /** Bytes of the header fields at the start of `body` (spool's headerLength); undefined when unknown. */
  readonly headerLength: number | undefined;
}

export interface Stripped {
  readonly body: MessageBody;
  readonly size: number;
  readonly headers: readonly HeaderField[];
  /** Fields removed (0: the message is returned as it was). */
  readonly removed: number;
}

/** Decides, per field (name as written, unfolded value), whether it goes. */
export type FieldFilter = (name: string, value: string) => boolean;

/**
 * Removes the fields `remove` picks from a header block (CRLF form, fields only). Each field is its first line
 * plus the continuation lines after it, as parseHeaderBlock reads them; everything else is kept as is.
 */
export function stripFieldsFromBlock(block: Buffer, remove: FieldFilter): { block: Buffer; removed: number } {
  const keep: Buffer[] = [];
  let removed = 0;
  let start = 0;
  while (start < block.length) {
    // The field runs to the first line end not followed by a space or tab (or to the end of the block).
    let end = block.length;
    for (let nl = block.indexOf(0x0a, start); nl >= 0; nl = block.indexOf(0x0a, nl + 1)) {
      const next = block[nl + 1];
      if (next !== 0x20 && next !== 0x09) {
        end = nl + 1;
        break;
      }
    }
    const field = block.subarray(start, end);
    const text = field.toString('latin1');
    const colon = text.indexOf(':');
    if (colon > 0 && remove(text.slice(0, colon), text.slice(colon + 1))) removed++;
    else keep.push(field);
    start = end;
  }
  return removed ? { block: Buffer.concat(keep), removed } : { block, removed: 0 };
}

/**
 * The message without the fields `remove` picks. The parsed fields say whether there is anything to do: almost
 * always not, and then nothing is read or copied. A header block too long for the spool to have measured is
 * left alone.
 */
export async function stripFields(msg: StoredMessage, remove: FieldFilter): Promise<Stripped> {
  const unchanged: Stripped = { body: msg.body, size: msg.size, headers: msg.headers, removed: 0 };
  if (!msg.headers.some((h) => remove(h.name, h.value))) return unchanged;
  const length = msg.headerLength;
  if (length === undefined) return unchanged;
  const headers = msg.headers.filter((h) => !remove(h.name, h.value));
  if (msg.body.data) {
    const { block, removed } = stripFieldsFromBlock(msg.body.data.subarray(0, length), remove);
    if (!removed) return unchanged;
    const data = Buffer.concat([block, msg.body.data.subarray(length)]);
    return { body: { data }, size: data.length, headers, removed };
  }
  const { block, removed } = stripFieldsFromBlock(await readFileStart(msg.body.path, length), remove);
  if (!removed) return unchanged;
  return { body: { path: msg.body.path, head: block, start: length }, size: msg.size - (length - block.length), headers, removed };
}
