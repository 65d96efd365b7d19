// The trace header we add on receipt (RFC 5321 §4.4): one Received line per hop, with the protocol keyword of
// RFC 3848 (ESMTP, ESMTPS, ESMTPA, ESMTPSA).
import type { SMTPServerSession } from 'smtp-server';

export function receivedHeader(session: SMTPServerSession, hostname: string, recipients: readonly string[], now = new Date()): string {
  const helo = session.hostNameAppearsAs || 'unknown';
  const rdns = session.clientHostname && session.clientHostname !== `[${session.remoteAddress}]` ? `${session.clientHostname} ` : '';
  const proto = `ESMTP${session.secure ? 'S' : ''}${session.user ? 'A' : ''}`;
  const tls = session.secure && session.tlsOptions ? `\r\n\t(using ${session.tlsOptions.version ?? 'TLS'} with cipher ${session.tlsOptions.name})` : '';
  const forClause = recipients.length === 1 ? `\r\n\tfor <${recipients[0]}>` : '';
  return `Received: from ${sanitize(helo)} (${rdns}[${session.remoteAddress}])\r\n\tby ${hostname} (everlock) with ${proto} id ${session.id}${tls}${forClause};\r\n\t${rfc5322Date(now)}\r\n`;
}

/** The last date formatted, by its second: every message received in one second carries the same text. */
let lastDate = { second: NaN, text: '' };

/** `Mon, 23 Nov 2026 10:00:00 +0000`. */
export function rfc5322Date(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastDate.second) lastDate = { second, text: d.toUTCString().replace(/GMT$/, '+0000') };
  return lastDate.text;
}

function sanitize(s: string): string {
  return s.replace(/[^\x21-\x7e]/g, '?').slice(0, 255);
}
