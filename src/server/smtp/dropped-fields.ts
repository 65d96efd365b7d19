// Header fields no message keeps on its way through, as Postfix's `message_drop_headers` default
// (bcc, content-length, resent-bcc, return-path):
// - Bcc and Resent-Bcc name blind recipients: a copy that carries them tells every recipient who else got it
//   (mail programs that leave them in for the server to remove exist: mutt's write_bcc, scripts);
// - Return-Path is the final delivery's to write, from the envelope (a second, earlier one would be forged or stale);
// - Content-Length belongs to mbox files, and a wrong one corrupts them.
// The sender's own Sent copy keeps Bcc and Resent-Bcc, so the sender can still see who got it.

const DROPPED = new Set(['bcc', 'resent-bcc', 'content-length', 'return-path']);
const BLIND = new Set(['bcc', 'resent-bcc']);

/** A field dropped from what is relayed or delivered to recipients. */
export function isDroppedField(name: string): boolean {
  return DROPPED.has(name.trim().toLowerCase());
}

/** A field naming blind recipients (kept in the sender's Sent copy only). */
export function isBlindField(name: string): boolean {
  return BLIND.has(name.trim().toLowerCase());
}
