// The capability list, one row per capability with the RFC that defines it. What is advertised depends on
// the session: STARTTLS only on a plain connection, LOGINDISABLED and no AUTH= before TLS (RFC 9051 §6.2.3)
// unless insecure auth is allowed, and fewer entries before login (RFC 9051 §7.2.2 lets the list change).

export interface CapabilityContext {
  readonly authenticated: boolean;
  readonly tls: boolean;
  /** STARTTLS is possible on this connection (plain listener with a TLS context). */
  readonly canStartTls: boolean;
  readonly allowInsecureAuth: boolean;
  readonly appendLimit: number;
}

interface Row {
  readonly name: (c: CapabilityContext) => string;
  readonly rfc: string;
  readonly when: (c: CapabilityContext) => boolean;
}

const always = (): boolean => true;
const afterLogin = (c: CapabilityContext): boolean => c.authenticated;
const authAllowed = (c: CapabilityContext): boolean => !c.authenticated && (c.tls || c.allowInsecureAuth);
const fixed = (n: string) => (): string => n;

const TABLE: readonly Row[] = [
  { name: fixed('IMAP4rev1'), rfc: 'RFC 3501', when: always },
  // Both: a session is IMAP4rev1 until the client sends ENABLE IMAP4rev2 (RFC 9051 §6.3.1).
  { name: fixed('IMAP4rev2'), rfc: 'RFC 9051', when: always },
  { name: fixed('SASL-IR'), rfc: 'RFC 4959', when: always },
  { name: fixed('ID'), rfc: 'RFC 2971', when: always },
  { name: fixed('ENABLE'), rfc: 'RFC 5161', when: always },
  { name: fixed('IDLE'), rfc: 'RFC 2177', when: always },
  { name: fixed('LITERAL+'), rfc: 'RFC 7888', when: always },
  { name: fixed('STARTTLS'), rfc: 'RFC 3501 §6.2.1', when: (c) => !c.tls && c.canStartTls && !c.authenticated },
  { name: fixed('LOGINDISABLED'), rfc: 'RFC 3501 §6.2.3', when: (c) => !c.authenticated && !c.tls && !c.allowInsecureAuth },
  { name: fixed('AUTH=PLAIN'), rfc: 'RFC 4616', when: authAllowed },
  { name: fixed('NAMESPACE'), rfc: 'RFC 2342', when: afterLogin },
  { name: fixed('UIDPLUS'), rfc: 'RFC 4315', when: afterLogin },
  { name: fixed('MOVE'), rfc: 'RFC 6851', when: afterLogin },
  { name: fixed('UNSELECT'), rfc: 'RFC 3691', when: afterLogin },
  { name: fixed('CHILDREN'), rfc: 'RFC 3348', when: afterLogin },
  { name: fixed('SPECIAL-USE'), rfc: 'RFC 6154', when: afterLogin },
  { name: fixed('CREATE-SPECIAL-USE'), rfc: 'RFC 6154 §3', when: afterLogin },
  { name: fixed('LIST-EXTENDED'), rfc: 'RFC 5258', when: afterLogin },
  { name: fixed('LIST-STATUS'), rfc: 'RFC 5819', when: afterLogin },
  { name: fixed('ESEARCH'), rfc: 'RFC 4731', when: afterLogin },
  { name: fixed('SEARCHRES'), rfc: 'RFC 5182', when: afterLogin },
  { name: fixed('WITHIN'), rfc: 'RFC 5032', when: afterLogin },
  { name: fixed('STATUS=SIZE'), rfc: 'RFC 8438', when: afterLogin },
  { name: fixed('BINARY'), rfc: 'RFC 3516', when: afterLogin },
  { name: fixed('CONDSTORE'), rfc: 'RFC 7162', when: afterLogin },
  { name: fixed('QRESYNC'), rfc: 'RFC 7162', when: afterLogin },
  { name: fixed('SORT'), rfc: 'RFC 5256', when: afterLogin },
  { name: fixed('SORT=DISPLAY'), rfc: 'RFC 5957', when: afterLogin },
  { name: fixed('THREAD=ORDEREDSUBJECT'), rfc: 'RFC 5256', when: afterLogin },
  { name: fixed('THREAD=REFERENCES'), rfc: 'RFC 5256', when: afterLogin },
  { name: fixed('QUOTA'), rfc: 'RFC 9208', when: afterLogin },
  { name: fixed('QUOTA=RES-STORAGE'), rfc: 'RFC 9208 §5.1', when: afterLogin },
  { name: fixed('UTF8=ACCEPT'), rfc: 'RFC 6855', when: afterLogin },
  { name: fixed('COMPRESS=DEFLATE'), rfc: 'RFC 4978', when: afterLogin },
  { name: (c) => `APPENDLIMIT=${c.appendLimit}`, rfc: 'RFC 7889', when: always },
];

export function capabilities(c: CapabilityContext): string[] {
  return TABLE.filter((r) => r.when(c)).map((r) => r.name(c));
}
