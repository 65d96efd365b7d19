// The configuration as the servers see it: one immutable snapshot, loaded and validated as a whole
// (config/load.ts) and swapped atomically on change. Field names follow the TOML files (SPEC §3–5).
import type { Paths } from './paths.js';
import type { Rule } from '../rules/types.js';

export type Role = 'reader' | 'writer' | 'owner';

export interface Grant {
  /** e.g. `smtp/mail/example.com:alice`, `smtp/mail/example.com`, `imap/mail/example.com:support`. */
  readonly path: string;
  readonly role: Role;
}

export interface UserConfig {
  /** File name without `.toml`: `alice` or `alice@example.com`. */
  readonly login: string;
  /** PHC string `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`; undefined = cannot log in. */
  readonly password?: string | undefined;
  /** Lower-cased addresses this user owns, from `addresses` plus `<login>@<domain>` for each local domain when the login has no `@`. */
  readonly addresses: readonly string[];
  readonly grants: readonly Grant[];
  /** Quota in bytes (Maildir++ maildirsize); 0 = none. */
  readonly quotaBytes: number;
  readonly file: string;
}

export interface DkimSettings {
  readonly enabled: boolean;
  /** Ed25519 selector; key at keys/dkim/<domain>/<selector>.pem. */
  readonly selector: string;
  /** RSA selector. */
  readonly rsaSelector: string;
  /** Extra selectors still published in DNS (after `dkim rotate`). */
  readonly published: readonly string[];
  /** Inline PEMs (Everlock compatibility; `config check` warns). */
  readonly inlineKey?: string | undefined;
  readonly inlineRsaKey?: string | undefined;
}

export interface DomainConfig {
  /** Lower-case ASCII (A-label) domain name. */
  readonly name: string;
  readonly enabled: boolean;
  readonly submission: { readonly enabled: boolean; readonly auth: 'authenticated' | 'none' };
  readonly outbound: {
    /** EHLO name and Message-ID domain; default mail.<domain>. */
    readonly hostname: string;
    /** Smarthost URL `smtp://user:pass@host:587`, or undefined for direct MX delivery. */
    readonly relay?: string | undefined;
    /** `tls_verify = false`: do not verify the relay's certificate when credentials are sent. Undefined = verify. */
    readonly tlsVerify?: boolean | undefined;
    readonly dkim: DkimSettings;
  };
  readonly inbound: {
    /** Reject mail whose DMARC policy is p=reject and fails. */
    readonly rejectDmarcFailures: boolean;
  };
  /** Test/special routing: deliver mail *for this domain* to these hosts (host or host:port) instead of its MX. */
  readonly mxOverride: readonly string[];
  /** Local part (lower-case) -> targets: local parts of this domain or full addresses. */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** Target for unknown local parts, or undefined (reject at RCPT). */
  readonly catchAll?: string | undefined;
  readonly file: string;
}

/** Listen addresses, `host:port` (e.g. 0.0.0.0:25); undefined = no listener (`"off"` in everlock.toml and flags). */
export interface ListenerSettings {
  readonly smtp: string | undefined; // 25
  readonly submission: string | undefined; // 587
  readonly submissions: string | undefined; // 465
  readonly imapTls: string | undefined; // 993
  readonly imapStarttls: string | undefined; // 143
  readonly http?: string | undefined; // off unless set
}

export interface LimitSettings {
  readonly maxMessageBytes: number; // SMTP SIZE and IMAP APPENDLIMIT; 50 MB default
  readonly maxRecipients: number; // 100
  readonly smtpConnectionsPerIp: number;
  readonly smtpMessagesPerIpPerMinute: number;
  readonly smtpCommandsPerIpPerMinute: number;
  readonly authFailuresPerMinute: number; // 5
  readonly authLockoutSeconds: number; // 60
  readonly imapIdleTimeoutSeconds: number; // 1800
  readonly imapMaxLineBytes: number;
  /** Commands per second an IMAP session may send before it is slowed down. */
  readonly imapCommandsPerSecond: number; // 200
  /** Concurrent IMAP connections from one client IP, both IMAP listeners together. */
  readonly imapConnectionsPerIp: number; // 100
  /** Recipients one login may submit to per hour (local and remote), against a stolen password's spam run. */
  readonly submissionRecipientsPerUserPerHour: number; // 1000
}

export interface ServerSettings {
  /** This host's name: EHLO default, Received, Authentication-Results, certificate SANs. */
  readonly hostname: string;
  readonly listen: ListenerSettings;
  readonly limits: LimitSettings;
  /** Allow AUTH/LOGIN without TLS (only for --dev on loopback or an explicit setting). */
  readonly allowInsecureAuth: boolean;
  /** Bootstrap mode: accept mail for any recipient when no domain exists. */
  readonly acceptAnyRecipient: boolean;
  /** Resolver for outbound MX lookups, host:port; undefined = system resolver. */
  readonly dnsServer?: string | undefined;
  /**
   * Static outbound routes, everlock.toml `[routes]`: destination domain -> `host:port` (comma-separated for
   * several), used instead of its MX records (tests, special set-ups). Undefined or empty = DNS only.
   */
  readonly routes?: ReadonlyMap<string, string> | undefined;
  /** Secret for SRS rewriting of forwarded mail (generated into data dir when absent). */
  readonly srsSecret?: string | undefined;
  /** everlock.toml `[passwords] scrypt_ln`: cost of password hashes written from now on; undefined = SCRYPT_LN. */
  readonly passwordScryptLn?: number | undefined;
  readonly file?: string | undefined;
}

/**
 * Settings that win over everlock.toml (`serve` flags): a field left undefined keeps the file's value, except in
 * `listen`, which is spread over the file's listeners: a key that is present wins even when undefined (off).
 */
export type ServerOverrides = Partial<Omit<ServerSettings, 'listen'>> & { readonly listen?: Partial<ListenerSettings> | undefined };

export interface ConfigSnapshot {
  readonly paths: Paths;
  readonly server: ServerSettings;
  /** Keyed by lower-case domain name. */
  readonly domains: ReadonlyMap<string, DomainConfig>;
  /** Keyed by login (exact file name). */
  readonly users: ReadonlyMap<string, UserConfig>;
  /** Rules in evaluation order (priority, then file order). */
  readonly rules: readonly Rule[];
  /** Warnings found while loading (inline keys, …); errors make loading fail instead. */
  readonly warnings: readonly import('../errors.js').ConfigIssue[];
  /** HEAD of the config repo when it is a git repo. */
  readonly commit?: string | undefined;
  /** Increments with each successful reload in one process. */
  readonly generation: number;
}

/** A mailbox (one Maildir++) named by its address parts. */
export interface MailboxAddress {
  readonly domain: string;
  readonly local: string;
}
