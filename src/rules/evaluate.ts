// The rules engine (SPEC §5): a pure function from (rules in evaluation order, one recipient's envelope and
// headers) to a decision. Rules apply per recipient; only rules of the message's direction are considered; every
// match field present must match (AND), a rule without match fields matches everything in its direction; the
// first matching rule wins; no match means the default (inbound: store in INBOX, outbound: allow).
//
// `domain` and `local_part` name the local side of the message: for inbound mail the recipient (the mailbox the
// message is for), for outbound mail the sender (the local user sending it). `sender`/`receiver` always match
// the envelope MAIL FROM / RCPT TO ('' for a bounce's null sender, which only `*` matches).
//
// Header fields (`subject_contains`, `message_id`, `header_from_contains`, `header`) never match while the
// headers are unknown (at RCPT time). Callers that decide before DATA use `evaluateEnvelope`, which says when
// the answer depends on headers instead of skipping such rules.
import { compileLowerGlob, type GlobMatcher } from './glob.js';
import type { Direction, Rule, RuleAction, RuleDecision, RuleInput } from './types.js';

export const DEFAULT_ACTIONS: Readonly<Record<Direction, RuleAction>> = {
  inbound: { type: 'store', folder: 'INBOX' },
  outbound: { type: 'allow' },
};

export function defaultDecision(direction: Direction): RuleDecision {
  return { rule: null, action: DEFAULT_ACTIONS[direction] };
}

/** The first rule of `input.direction` whose match fields all match, or the default. `rules` must be in evaluation order. */
export function evaluateRules(rules: readonly Rule[], input: RuleInput): RuleDecision {
  const env = envelopeOf(input);
  for (const rule of rules) {
    if (rule.direction === input.direction && envelopeMatches(rule, env) && headersMatch(rule, input)) {
      return { rule, action: rule.action };
    }
  }
  return defaultDecision(input.direction);
}

/** True when the rule has a match field that needs the message headers (known only after DATA). */
export function needsHeaders(rule: Rule): boolean {
  const m = rule.match;
  return m.subjectContains !== undefined || m.messageId !== undefined || m.headerFromContains !== undefined || m.header !== undefined;
}

export type EnvelopeDecision =
  | { readonly decided: true; readonly decision: RuleDecision }
  /** A rule whose envelope fields match needs headers to know whether it fires: decide after DATA. */
  | { readonly decided: false; readonly pending: Rule };

/**
 * Decides from the envelope alone when that is possible (at RCPT): the first rule whose envelope fields match
 * settles it unless it also needs headers, in which case the answer waits for DATA.
 */
export function evaluateEnvelope(rules: readonly Rule[], input: RuleInput): EnvelopeDecision {
  const env = envelopeOf(input);
  for (const rule of rules) {
    if (rule.direction !== input.direction || !envelopeMatches(rule, env)) continue;
    if (needsHeaders(rule)) return { decided: false, pending: rule };
    return { decided: true, decision: { rule, action: rule.action } };
  }
  return { decided: true, decision: defaultDecision(input.direction) };
}

interface Compiled {
  sender?: GlobMatcher | undefined;
  receiver?: GlobMatcher | undefined;
  domain?: GlobMatcher | undefined;
  localPart?: GlobMatcher | undefined;
}

// Globs compiled once per Rule object; a config reload makes new Rule objects and drops the old entries.
const compiled = new WeakMap<Rule, Compiled>();

function globsOf(rule: Rule): Compiled {
  let c = compiled.get(rule);
  if (!c) {
    const m = rule.match;
    c = {
      sender: m.sender === undefined ? undefined : compileLowerGlob(m.sender),
      receiver: m.receiver === undefined ? undefined : compileLowerGlob(m.receiver),
      domain: m.domain === undefined ? undefined : compileLowerGlob(m.domain),
      localPart: m.localPart === undefined ? undefined : compileLowerGlob(m.localPart),
    };
    compiled.set(rule, c);
  }
  return c;
}

/** The envelope values globs see, lower-cased once per decision. */
interface Envelope {
  sender: string;
  receiver: string;
  localPart: string;
  domain: string;
}

function envelopeOf(input: RuleInput): Envelope {
  const sender = input.sender.toLowerCase();
  const receiver = input.receiver.toLowerCase();
  const local = splitAt(input.direction === 'inbound' ? receiver : sender);
  return { sender, receiver, localPart: local.localPart, domain: local.domain };
}

function envelopeMatches(rule: Rule, env: Envelope): boolean {
  const g = globsOf(rule);
  if (g.sender && !g.sender(env.sender)) return false;
  if (g.receiver && !g.receiver(env.receiver)) return false;
  if (g.domain && !g.domain(env.domain)) return false;
  if (g.localPart && !g.localPart(env.localPart)) return false;
  return true;
}

function headersMatch(rule: Rule, input: RuleInput): boolean {
  const m = rule.match;
  if (m.subjectContains !== undefined && !(input.subject ?? '').includes(m.subjectContains)) return false;
  if (m.messageId !== undefined && (input.messageId === undefined || bare(input.messageId) !== bare(m.messageId))) return false;
  if (m.headerFromContains !== undefined && !containsFolded(input.headerFrom, m.headerFromContains)) return false;
  if (m.header !== undefined) {
    const values = input.header?.(m.header.name) ?? [];
    const wanted = m.header.contains;
    if (!values.some((v) => containsFolded(v, wanted))) return false;
  }
  return true;
}

function containsFolded(haystack: string | undefined, needle: string): boolean {
  return haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());
}

/** Message-IDs compare exactly, with or without their angle brackets and surrounding space. */
function bare(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

function splitAt(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  return at < 0 ? { localPart: address, domain: '' } : { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}
