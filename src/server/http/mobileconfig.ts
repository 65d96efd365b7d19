// An Apple configuration profile (`.mobileconfig`) that sets up one IMAP account in Mail on macOS and iOS.
// UUIDs are derived from the address so downloading the profile again replaces it instead of adding a twin.
// The password is never included: the device asks for it.
import { createHash } from 'node:crypto';
import type { ClientSettings } from './client-settings.js';
import { xmlEscape as x } from './xml.js';

function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

function reverseDns(domain: string): string {
  return domain.split('.').reverse().join('.');
}

export function renderMobileconfig(s: ClientSettings & { email: string }): string {
  const id = `${reverseDns(s.domain)}.everlock.${s.email.replace(/[^a-z0-9]/gi, '-')}`;
  const str = (k: string, v: string | number): string => `\t\t\t<key>${k}</key>\n\t\t\t<${typeof v === 'number' ? 'integer' : 'string'}>${x(v)}</${typeof v === 'number' ? 'integer' : 'string'}>`;
  const bool = (k: string, v: boolean): string => `\t\t\t<key>${k}</key>\n\t\t\t<${v}/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>PayloadContent</key>
\t<array>
\t\t<dict>
${[
  str('EmailAccountDescription', s.email),
  str('EmailAccountName', s.email),
  str('EmailAccountType', 'EmailTypeIMAP'),
  str('EmailAddress', s.email),
  str('IncomingMailServerAuthentication', 'EmailAuthPassword'),
  str('IncomingMailServerHostName', s.imap.host),
  str('IncomingMailServerPortNumber', s.imap.port),
  bool('IncomingMailServerUseSSL', true),
  str('IncomingMailServerUsername', s.email),
  str('OutgoingMailServerAuthentication', 'EmailAuthPassword'),
  str('OutgoingMailServerHostName', s.submission.host),
  str('OutgoingMailServerPortNumber', s.submission.port),
  bool('OutgoingMailServerUseSSL', true),
  str('OutgoingMailServerUsername', s.email),
  bool('OutgoingPasswordSameAsIncomingPassword', true),
  str('PayloadDescription', `Mail account ${s.email}`),
  str('PayloadDisplayName', s.email),
  str('PayloadIdentifier', `${id}.mail`),
  str('PayloadType', 'com.apple.mail.managed'),
  str('PayloadUUID', stableUuid(`mail:${s.email}`)),
  str('PayloadVersion', 1),
].join('\n')}
\t\t</dict>
\t</array>
\t<key>PayloadDisplayName</key>
\t<string>${x(s.email)}</string>
\t<key>PayloadIdentifier</key>
\t<string>${x(id)}</string>
\t<key>PayloadRemovalDisallowed</key>
\t<false/>
\t<key>PayloadType</key>
\t<string>Configuration</string>
\t<key>PayloadUUID</key>
\t<string>${stableUuid(`profile:${s.email}`)}</string>
\t<key>PayloadVersion</key>
\t<integer>1</integer>
</dict>
</plist>
`;
}
