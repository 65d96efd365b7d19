// Thunderbird (and K-9, Evolution, …) autoconfig, the clientConfig v1.1 format served at
// `autoconfig.<domain>/mail/config-v1.1.xml` and `<domain>/.well-known/autoconfig/mail/config-v1.1.xml`.
// IMAP on implicit TLS, submission with STARTTLS (each falls back to the other port when its listener is off),
// the full address as the user name (SPEC §4).
import type { ClientSettings, ClientTls } from './client-settings.js';
import { xmlEscape as x } from './xml.js';

const socketType = (tls: ClientTls): string => (tls === 'implicit' ? 'SSL' : 'STARTTLS');

export function renderAutoconfig(s: ClientSettings): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${x(s.domain)}">
    <domain>${x(s.domain)}</domain>
    <displayName>${x(s.domain)} mail</displayName>
    <displayShortName>${x(s.domain)}</displayShortName>
    <incomingServer type="imap">
      <hostname>${x(s.imap.host)}</hostname>
      <port>${x(s.imap.port)}</port>
      <socketType>${socketType(s.imap.tls)}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>${x(s.submission.host)}</hostname>
      <port>${x(s.submission.port)}</port>
      <socketType>${socketType(s.submission.tls)}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
}
