// Sends a DSN: into the sender's Maildir through the local delivery path when the sender is local, otherwise
// through the queue with an empty envelope sender (RFC 5321 §4.5.5: a bounce is never bounced). A forwarded
// message's SRS sender is reversed first so the original sender hears about it.
import type { ConfigSnapshot } from '../../config/types.js';
import { resolveRecipient } from '../../config/directory.js';
import { buildDsn, type DsnFailure } from '../dsn.js';
import { parseHeaderBlock } from '../smtp/headers.js';
import { deliverLocal, type DeliveryDeps } from './local.js';

export interface BounceRequest {
  readonly to: string;
  readonly failures: readonly DsnFailure[];
  readonly originalHeaders: Buffer;
  readonly arrivalDate?: Date | undefined;
}

export async function sendBounce(deps: DeliveryDeps, snap: ConfigSnapshot, req: BounceRequest): Promise<void> {
  if (req.to === '') return;
  const to = deps.srs.reverse(req.to) ?? req.to;
  const dsn = buildDsn({ reportingMta: snap.server.hostname, to, failures: req.failures, originalHeaders: req.originalHeaders, arrivalDate: req.arrivalDate });
  const local = resolveRecipient(snap, to);
  if (local.kind !== 'local') {
    const now = Date.now();
    await deps.queue.enqueue({ from: '', dsnTo: '', senderDomain: '', recipients: [{ address: to, state: 'pending', attempts: 0 }], created: now, nextAttempt: now, attempts: 0 }, dsn);
    deps.wakeQueue?.();
    deps.log.info('DSN queued', { to, failed: req.failures.map((f) => f.recipient) });
    return;
  }
  const end = dsn.indexOf('\r\n\r\n');
  await deliverLocal(deps, snap, { sender: '', body: { data: dsn }, size: dsn.length, headers: parseHeaderBlock(dsn.subarray(0, end + 2)), trace: '' }, [{ address: to, mailboxes: local.mailboxes, forward: local.forward }]);
}
