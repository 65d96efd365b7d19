// domains/<domain>.toml (SPEC §3, Everlock's field names). Checks one file on its own; what depends on other
// files (alias targets, catch-all) is checked in validate-cross.ts with the raw targets kept here.
import type { DkimSettings, DomainConfig } from './types.js';
import { FileChecker } from './checker.js';
import { FrozenMap } from './freeze.js';
import { addressProblem, domainProblem, localPartProblem } from './names.js';
import type { ParsedToml } from './toml.js';

const TOP_KEYS = ['enabled', 'submission', 'outbound', 'inbound', 'aliases', 'catch_all', 'mx_override'];
const SUBMISSION_KEYS = ['enabled', 'auth'];
const OUTBOUND_KEYS = ['hostname', 'relay', 'tls_verify', 'dkim'];
const DKIM_KEYS = ['enabled', 'selector', 'rsa_selector', 'published', 'private_key_pem', 'rsa_private_key_pem'];
const INBOUND_KEYS = ['reject_dmarc_failures'];

/** Where an alias or catch-all target was written, for cross-file checks. */
export interface TargetRef {
  /** Lower-cased target: a local part of this domain, a login, or a full address. */
  readonly target: string;
  readonly keyPath: (string | number)[];
}

export interface ValidatedDomain {
  readonly config: DomainConfig;
  readonly aliasRefs: readonly { local: string; targets: readonly TargetRef[] }[];
  readonly catchAllRef?: TargetRef | undefined;
  readonly checker: FileChecker;
}

/** A DKIM selector becomes a file name: letters, digits, `-`, `_`, inner dots. */
export function selectorProblem(s: string): string | undefined {
  return /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$/.test(s) && !s.includes('..') ? undefined : `invalid DKIM selector "${s}"`;
}

const HOST_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

export function validateDomain(name: string, parsed: ParsedToml, file: string, absFile: string): ValidatedDomain {
  const c = new FileChecker(file, parsed);
  const doc = parsed.doc;
  const np = domainProblem(name);
  if (np) c.error([], `file name: ${np}`);
  c.knownKeys(doc, [], TOP_KEYS);

  const submission = c.table(doc, [], 'submission') ?? {};
  c.knownKeys(submission, ['submission'], SUBMISSION_KEYS);
  const outbound = c.table(doc, [], 'outbound') ?? {};
  c.knownKeys(outbound, ['outbound'], OUTBOUND_KEYS);
  const dkimPresent = outbound.dkim !== undefined;
  const dkimTable = c.table(outbound, ['outbound'], 'dkim') ?? {};
  c.knownKeys(dkimTable, ['outbound', 'dkim'], DKIM_KEYS);
  const inbound = c.table(doc, [], 'inbound') ?? {};
  c.knownKeys(inbound, ['inbound'], INBOUND_KEYS);

  const hostname = c.string(outbound, ['outbound'], 'hostname');
  if (hostname !== undefined && !HOST_RE.test(hostname)) c.error(['outbound', 'hostname'], `"hostname" must be a host name, got "${hostname}"`);
  const relay = c.string(outbound, ['outbound'], 'relay');
  let relayCredentials = false;
  if (relay !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(relay);
    } catch {
      url = undefined;
    }
    if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname) {
      c.error(['outbound', 'relay'], `"relay" must be a URL like smtp://user:pass@host:587, got "${relay}"`);
    } else {
      relayCredentials = !!url.username;
      if (url.password) c.warning(['outbound', 'relay'], 'the relay password is stored in the config repo and its git history');
    }
  }
  const tlsVerify = c.boolean(outbound, ['outbound'], 'tls_verify') ?? true;
  // Only a relay that gets credentials is verified (MX delivery and an anonymous relay are opportunistic TLS).
  if (!tlsVerify) {
    c.warning(
      ['outbound', 'tls_verify'],
      relayCredentials
        ? 'the relay\'s TLS certificate is not verified: anyone between here and the relay can take its password'
        : '"tls_verify" only applies to a relay with credentials (relay = "smtp://user:pass@host:587")',
    );
  }

  const selector = c.string(dkimTable, ['outbound', 'dkim'], 'selector') ?? 'default';
  const rsaSelector = c.string(dkimTable, ['outbound', 'dkim'], 'rsa_selector') ?? 'default-rsa';
  const published = c.stringList(dkimTable, ['outbound', 'dkim'], 'published') ?? [];
  for (const [key, s] of [['selector', selector], ['rsa_selector', rsaSelector]] as const) {
    const p = selectorProblem(s);
    if (p) c.error(['outbound', 'dkim', key], p);
  }
  published.forEach((s, i) => {
    const p = selectorProblem(s);
    if (p) c.error(['outbound', 'dkim', 'published', i], p);
  });
  const inlineKey = c.string(dkimTable, ['outbound', 'dkim'], 'private_key_pem');
  const inlineRsaKey = c.string(dkimTable, ['outbound', 'dkim'], 'rsa_private_key_pem');
  for (const key of ['private_key_pem', 'rsa_private_key_pem']) {
    if (typeof dkimTable[key] === 'string') {
      c.warning(['outbound', 'dkim', key], `inline DKIM private key "${key}" is stored in git history; move it to keys/dkim/${name}/ (everlock dkim keygen)`);
    }
  }
  const dkim: DkimSettings = {
    enabled: c.boolean(dkimTable, ['outbound', 'dkim'], 'enabled') ?? dkimPresent,
    selector,
    rsaSelector,
    published: published.filter((s) => s !== selector && s !== rsaSelector),
    inlineKey,
    inlineRsaKey,
  };

  const mxOverride = c.stringList(doc, [], 'mx_override') ?? [];
  mxOverride.forEach((h, i) => {
    if (!/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.test(h)) c.error(['mx_override', i], `"${h}" is not a host or host:port`);
  });

  // Aliases: local part -> targets. `catch_all` inside [aliases] is the catch-all (as SPEC §3's example places it).
  const aliases = new Map<string, string[]>();
  const aliasRefs: { local: string; targets: TargetRef[] }[] = [];
  let catchAllRef: TargetRef | undefined;
  const aliasTable = c.table(doc, [], 'aliases') ?? {};
  const readTarget = (raw: string, keyPath: (string | number)[]): TargetRef | undefined => {
    const target = raw.trim().toLowerCase();
    const problem = target.includes('@') ? addressProblem(target) : localPartProblem(target);
    if (problem) {
      c.error(keyPath, `alias target: ${problem}`);
      return undefined;
    }
    return { target, keyPath };
  };
  const topCatchAll = c.string(doc, [], 'catch_all');
  if (topCatchAll !== undefined) catchAllRef = readTarget(topCatchAll, ['catch_all']);
  for (const key of Object.keys(aliasTable)) {
    if (key === 'catch_all') {
      if (topCatchAll !== undefined) c.error(['aliases', key], 'catch_all is set twice (top level and in [aliases])');
      const v = c.string(aliasTable, ['aliases'], key);
      if (v !== undefined) catchAllRef = readTarget(v, ['aliases', key]);
      continue;
    }
    const lp = localPartProblem(key);
    if (lp) {
      c.error(['aliases', key], `alias "${key}": ${lp}`);
      continue;
    }
    const list = c.stringList(aliasTable, ['aliases'], key);
    if (!list) continue;
    if (list.length === 0) c.error(['aliases', key], `alias "${key}" has no targets`);
    const single = typeof aliasTable[key] === 'string';
    const refs = list.map((t, i) => readTarget(t, single ? ['aliases', key] : ['aliases', key, i])).filter((r) => r !== undefined);
    aliasRefs.push({ local: key, targets: refs });
    aliases.set(
      key,
      refs.map((r) => r.target),
    );
  }

  const submissionAuth = c.oneOf(submission, ['submission'], 'auth', ['authenticated', 'none'] as const) ?? 'authenticated';
  if (submissionAuth === 'none') {
    c.warning(['submission', 'auth'], 'auth = "none" has no effect: submission always requires a login (without one it would be an open relay)');
  }

  const config: DomainConfig = {
    name,
    enabled: c.boolean(doc, [], 'enabled') ?? true,
    submission: {
      enabled: c.boolean(submission, ['submission'], 'enabled') ?? true,
      auth: submissionAuth,
    },
    outbound: { hostname: hostname ?? `mail.${name}`, relay, tlsVerify, dkim },
    inbound: { rejectDmarcFailures: c.boolean(inbound, ['inbound'], 'reject_dmarc_failures') ?? false },
    mxOverride,
    aliases: new FrozenMap(aliases),
    catchAll: catchAllRef?.target,
    file: absFile,
  };
  return { config, aliasRefs, catchAllRef, checker: c };
}
