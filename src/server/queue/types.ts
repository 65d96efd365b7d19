// One outbound queue entry: `<id>.eml` (the message, never changed after enqueue) and `<id>.json` (this
// envelope, rewritten temp+fsync+rename after every attempt: it is the journal of what was delivered).

export type RecipientState = 'pending' | 'sent' | 'failed';

export interface QueueRecipient {
  readonly address: string;
  state: RecipientState;
  attempts: number;
  /** Last reply or error, e.g. `451 4.3.0 try later` or `connect ECONNREFUSED 127.0.0.1:25`. */
  lastError?: string | undefined;
  /** The remote host that answered last. */
  remoteMta?: string | undefined;
  /** For `failed`: the DSN for this failure is durable. */
  bounced?: boolean | undefined;
}

export interface QueueEnvelope {
  readonly version: 1;
  readonly id: string;
  /** Envelope sender for MAIL FROM: '' for DSNs, SRS-rewritten for forwards. */
  readonly from: string;
  /** Who gets a DSN when delivery fails: the original sender; '' = nobody (never bounce a bounce). */
  readonly dsnTo: string;
  /** Domain whose outbound settings (EHLO name, relay) apply: the sender's or the forwarding domain. */
  readonly senderDomain: string;
  readonly recipients: QueueRecipient[];
  readonly messageId?: string | undefined;
  /** ms since epoch. */
  readonly created: number;
  nextAttempt: number;
  attempts: number;
  /** Set while a worker is delivering this entry; a stale marker (dead pid) is cleared on start. */
  inflight?: { pid: number; since: number } | undefined;
}

export interface QueueEntrySummary {
  readonly id: string;
  readonly from: string;
  readonly recipients: readonly QueueRecipient[];
  readonly created: number;
  readonly nextAttempt: number;
  readonly attempts: number;
  readonly size: number;
  readonly inflight: boolean;
}
