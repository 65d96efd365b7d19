// Outlook's POX autodiscover (`/autodiscover/autodiscover.xml`): the request names the address in
// <EMailAddress>; the response lists IMAP and SMTP submission, implicit TLS as `SSL on`, STARTTLS as `Encryption TLS`.
import type { ClientSettings, ClientTls } from './client-settings.js';
import { xmlEscape as x } from './xml.js';

/** The address in an autodiscover request body, if any. */
export function requestedAddress(body: string): string | undefined {
  return /<EMailAddress>\s*([^<\s]+)\s*<\/EMailAddress>/i.exec(body)?.[1];
}

/** `<SSL>on</SSL>` for implicit TLS, `<Encryption>TLS</Encryption>` for STARTTLS (Outlook's POX schema). */
const encryption = (tls: ClientTls): string => (tls === 'implicit' ? '<SSL>on</SSL>' : '<Encryption>TLS</Encryption>');

export function renderAutodiscover(s: ClientSettings & { email: string }): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <User>
      <DisplayName>${x(s.email)}</DisplayName>
    </User>
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
      <Protocol>
        <Type>IMAP</Type>
        <Server>${x(s.imap.host)}</Server>
        <Port>${x(s.imap.port)}</Port>
        <DomainRequired>off</DomainRequired>
        <LoginName>${x(s.email)}</LoginName>
        <SPA>off</SPA>
        ${encryption(s.imap.tls)}
        <AuthRequired>on</AuthRequired>
      </Protocol>
      <Protocol>
        <Type>SMTP</Type>
        <Server>${x(s.submission.host)}</Server>
        <Port>${x(s.submission.port)}</Port>
        <DomainRequired>off</DomainRequired>
        <LoginName>${x(s.email)}</LoginName>
        <SPA>off</SPA>
        ${encryption(s.submission.tls)}
        <AuthRequired>on</AuthRequired>
        <UsePOPAuth>off</UsePOPAuth>
        <SMTPLast>off</SMTPLast>
      </Protocol>
    </Account>
  </Response>
</Autodiscover>
`;
}
