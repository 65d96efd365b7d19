// Builds the input of zoneRecords from the loaded config: the domain's mail host, the DKIM TXT value of every
// published selector (derived from the key files), and which services the listeners offer. Kept apart from
// zone.ts so the record set stays a pure function.
import type { Paths } from '../config/paths.js';
import type { DomainConfig, ListenerSettings, ServerSettings } from '../config/types.js';
import { dkimTxtValue, publishedSelectors, readDkimKey } from '../dkim/keys.js';
import type { ZoneInput } from './zone.js';

export interface ZoneInputResult {
  readonly input: ZoneInput;
  /** Things the admin should know (a published selector without a key file, …), one line each. */
  readonly warnings: readonly string[];
}

export async function zoneInputFor(
  paths: Paths,
  snap: { readonly server: Pick<ServerSettings, 'listen'> },
  domain: DomainConfig,
  opts: { ip?: string | undefined; ip6?: string | undefined },
): Promise<ZoneInputResult> {
  const warnings: string[] = [];
  const dkim: { selector: string; value: string }[] = [];
  const inline = new Map<string, string | undefined>([
    [domain.outbound.dkim.selector, domain.outbound.dkim.inlineKey],
    [domain.outbound.dkim.rsaSelector, domain.outbound.dkim.inlineRsaKey],
  ]);
  for (const selector of publishedSelectors(domain)) {
    const pem = (await readDkimKey(paths, domain.name, selector)) ?? inline.get(selector);
    if (pem === undefined) {
      if (domain.outbound.dkim.enabled) warnings.push(`no key for DKIM selector "${selector}" of ${domain.name} (everlock dkim keygen ${domain.name} --selector ${selector})`);
      continue;
    }
    dkim.push({ selector, value: dkimTxtValue(pem) });
  }
  const listen = snap.server.listen;
  const submissionOn = domain.submission.enabled;
  return {
    input: {
      domain: domain.name,
      hostname: domain.outbound.hostname,
      ip: opts.ip,
      ip6: opts.ip6,
      dkim,
      services: {
        imaps: listenPort(listen.imapTls),
        imap: listenPort(listen.imapStarttls),
        submission: submissionOn ? listenPort(listen.submission) : undefined,
        submissions: submissionOn ? listenPort(listen.submissions) : undefined,
        http: listenPort(listen.http) !== undefined,
      },
    },
    warnings,
  };
}

/**
 * The port of a `host:port` listener, or undefined when the listener is off (`"off"` in everlock.toml, which the
 * config loads as undefined): its SRV record then says "not offered" (RFC 6186 §3.4).
 */
export function listenPort(value: ListenerSettings[keyof ListenerSettings]): number | undefined {
  if (value === undefined) return undefined;
  const m = /:(\d{1,5})$/.exec(value);
  const port = m ? Number(m[1]) : NaN;
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}
