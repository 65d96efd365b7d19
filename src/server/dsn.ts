// Delivery Status Notifications (RFC 3464 multipart/report; RFC 3462 report type delivery-status) for mail we
// accepted and then could not deliver: a remote 5xx, a queue entry that expired, or a rules.toml reject decided
// after DATA for some of the recipients. The original header block is attached as text/rfc822-headers (not the
// body: bounces should be small). DSNs go out with an empty envelope sender so they never bounce themselves.
import { randomBytes } from 'node:crypto';

export interface DsnFailure {
  readonly recipient: string;
  /** Enhanced status code, e.g. 5.1.1 or 4.4.7 for an expired entry. */
  readonly status: string;
  /** Remote reply or our reason. */
  readonly diagnostic: string;
  readonly remoteMta?: string | undefined;
}

export interface DsnInput {
  /** Our host name (Reporting-MTA, From, Message-ID). */
  readonly reportingMta: string;
  /** Who receives the DSN. */
  readonly to: string;
  readonly failures: readonly DsnFailure[];
  /** Header block of the original message (CRLF, without the blank line is fine). */
  readonly originalHeaders: Buffer;
  readonly arrivalDate?: Date | undefined;
  readonly now?: Date | undefined;
}

export function buildDsn(input: DsnInput): Buffer {
  const now = input.now ?? new Date();
  const boundary = `=_dsn_${randomBytes(12).toString('hex')}`;
  const host = input.reportingMta;
  const lines = (xs: string[]): string => xs.join('\r\n') + '\r\n';
  const recipientsText = input.failures.map((f) => `  <${f.recipient}>: ${f.diagnostic}`).join('\r\n');
  const human = lines([
    'This is the mail system at ' + host + '.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    recipientsText,
  ]);
  const perMessage = lines([`Reporting-MTA: dns; ${host}`, ...(input.arrivalDate ? [`Arrival-Date: ${input.arrivalDate.toUTCString()}`] : [])]);
  const perRecipient = input.failures
    .map((f) =>
      lines([
        `Final-Recipient: rfc822; ${f.recipient}`,
        'Action: failed',
        `Status: ${f.status}`,
        ...(f.remoteMta ? [`Remote-MTA: dns; ${f.remoteMta}`] : []),
        `Diagnostic-Code: smtp; ${oneLine(f.diagnostic)}`,
        `Last-Attempt-Date: ${now.toUTCString()}`,
      ]),
    )
    .join('\r\n');
  let headers = input.originalHeaders.toString('latin1');
  const blank = headers.indexOf('\r\n\r\n');
  if (blank >= 0) headers = headers.slice(0, blank + 2);
  if (!headers.endsWith('\r\n')) headers += '\r\n';

  const text =
    lines([
      `From: Mail Delivery System <MAILER-DAEMON@${host}>`,
      `To: <${input.to}>`,
      'Subject: Undelivered Mail Returned to Sender',
      `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${Date.now().toString(36)}.${randomBytes(6).toString('hex')}@${host}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      'This is a MIME-encapsulated message.',
      '',
      `--${boundary}`,
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
    ]) +
    human +
    lines(['', `--${boundary}`, 'Content-Description: Delivery report', 'Content-Type: message/delivery-status', '']) +
    perMessage +
    '\r\n' +
    perRecipient +
    lines(['', `--${boundary}`, 'Content-Description: Undelivered Message Headers', 'Content-Type: text/rfc822-headers', '']);
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from(headers, 'latin1'), Buffer.from(lines(['', `--${boundary}--`]))]);
}

/** The status for an SMTP reply: its enhanced code when present, else one derived from the basic code. */
export function statusFromReply(reply: string, permanent: boolean): string {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m) return m[1]!;
  return permanent ? '5.0.0' : '4.0.0';
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 900);
}
