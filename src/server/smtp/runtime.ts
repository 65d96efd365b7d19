// What the SMTP listeners share inside one server process: the live config, storage, the local delivery
// dependencies, per-IP limits, the login throttle, and where DATA is spooled.
import type { ConfigSnapshot } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { MailStore } from '../../maildir/types.js';
import type { AuthThrottle } from '../auth-throttle.js';
import type { DeliveryDeps } from '../delivery/local.js';
import type { Metrics } from '../metrics.js';
import type { TlsProvider } from '../module.js';
import type { FixedWindows, IpRateLimiter } from './rate-limit.js';
import type { AuthMemo } from './auth-memo.js';
import type { DnsResolve } from './verify.js';

export interface SmtpRuntime {
  config(): ConfigSnapshot;
  readonly store: MailStore;
  readonly delivery: DeliveryDeps;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Certificates; undefined = no STARTTLS / no implicit TLS (tests of the plain path only). */
  readonly tls?: TlsProvider | undefined;
  /** DNS for SPF/DKIM/DMARC/ARC checks. */
  readonly resolver: DnsResolve;
  /** Recent SPF and DMARC results (auth-memo.ts). */
  readonly authMemo: AuthMemo;
  /** Where DATA is spooled before delivery (inside the data dir, same filesystem as the Maildirs). */
  readonly spoolDir: string;
  readonly limiter: IpRateLimiter;
  /** Submission recipients per login per hour (limits.submission_recipients_per_user_per_hour). */
  readonly userSends: FixedWindows;
  readonly throttle: AuthThrottle;
  /** Idle time before a client is disconnected. */
  readonly socketTimeoutMs: number;
}
