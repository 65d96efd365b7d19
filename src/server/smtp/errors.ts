// SMTP replies as typed errors, and the one place where storage and internal failures become wire replies.
// smtp-server sends `err.responseCode` and `err.message`; our messages start with the enhanced status code
// (RFC 3463), which wire-hooks.ts keeps instead of the library's generic per-code guess.
import { StoreError } from '../../errors.js';

export class SmtpReply extends Error {
  override readonly name = 'SmtpReply';
  readonly responseCode: number;
  constructor(
    code: number,
    readonly enhanced: string,
    readonly text: string,
  ) {
    super(`${enhanced} ${text}`);
    this.responseCode = code;
  }

  get permanent(): boolean {
    return this.responseCode >= 500;
  }

  /** `550 5.7.1 Relaying denied`, as a client sees it. */
  toString(): string {
    return `${this.responseCode} ${this.message}`;
  }
}

export const replies = {
  unknownUser: () => new SmtpReply(550, '5.1.1', 'No such user here'),
  relayDenied: () => new SmtpReply(550, '5.7.1', 'Relaying denied'),
  tooManyRecipients: (max: number) => new SmtpReply(452, '4.5.3', `Too many recipients (at most ${max} per message)`),
  messageTooBig: (max: number) => new SmtpReply(552, '5.3.4', `Message exceeds the fixed maximum message size of ${max} bytes`),
  tooManyConnections: () => new SmtpReply(421, '4.7.0', 'Too many connections from your address, try again later'),
  tooManyCommands: () => new SmtpReply(421, '4.7.0', 'Too many commands from your address, try again later'),
  tooManyMessages: () => new SmtpReply(450, '4.7.1', 'Too many messages from your address, try again later'),
  userSendLimit: (perHour: number) => new SmtpReply(450, '4.7.1', `This account may send to ${perHour} recipients an hour; try again later`),
  temporaryFailure: () => new SmtpReply(451, '4.3.0', 'Temporary local failure, try again later'),
  mailboxFull: () => new SmtpReply(452, '4.2.2', 'Mailbox full, try again later'),
  notOwned: (what: string) => new SmtpReply(550, '5.7.1', `You are not allowed to send as ${what}`),
  authRequired: () => new SmtpReply(530, '5.7.0', 'Authentication required'),
  authFailed: () => new SmtpReply(535, '5.7.8', 'Authentication credentials invalid'),
  authLocked: () => new SmtpReply(535, '5.7.8', 'Too many failed logins, try again later'),
  dmarcReject: () => new SmtpReply(550, '5.7.1', 'Message rejected by the sender domain\'s DMARC policy'),
  badSender: () => new SmtpReply(553, '5.1.7', 'Invalid sender address'),
  badRecipient: () => new SmtpReply(553, '5.1.3', 'Invalid recipient address'),
  loop: () => new SmtpReply(554, '5.4.6', 'Mail loop detected'),
};

/** Any failure while storing or queueing: the client keeps the message and retries; nothing was kept. */
export function replyForFailure(err: unknown): SmtpReply {
  if (err instanceof SmtpReply) return err;
  if (err instanceof StoreError && err.kind === 'over-quota') return replies.mailboxFull();
  return replies.temporaryFailure();
}
