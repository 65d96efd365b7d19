// rules.toml, compiled (SPEC §5). Pure data: the engine (rules/evaluate.ts) is a function over it.

export type Direction = 'inbound' | 'outbound';

export interface RuleMatch {
  readonly sender?: string | undefined; // glob, case-insensitive, whole value
  readonly receiver?: string | undefined;
  readonly domain?: string | undefined; // the receiver's domain (inbound) / sender's domain (outbound)
  readonly localPart?: string | undefined; // the receiver's local part (inbound) / sender's (outbound)
  readonly subjectContains?: string | undefined; // case-sensitive, decoded subject
  readonly messageId?: string | undefined; // exact
  readonly headerFromContains?: string | undefined; // case-insensitive, decoded From
  readonly header?: { readonly name: string; readonly contains: string } | undefined;
}

export type RuleAction =
  | { readonly type: 'store'; readonly folder: string }
  | { readonly type: 'forward'; readonly to: readonly string[]; readonly keepCopy: boolean }
  | { readonly type: 'reject'; readonly code: number; readonly enhanced: string; readonly message: string }
  | { readonly type: 'drop' }
  | { readonly type: 'allow' };

export interface Rule {
  readonly id: string;
  readonly name?: string | undefined;
  readonly priority: number;
  readonly direction: Direction;
  readonly match: RuleMatch;
  readonly action: RuleAction;
  /** Where it was defined, for logs and `rules test`. */
  readonly file: string;
  readonly line?: number | undefined;
}

/** What a rule is matched against, for one recipient. Header fields are absent before DATA. */
export interface RuleInput {
  readonly direction: Direction;
  readonly sender: string; // envelope MAIL FROM ('' for bounces)
  readonly receiver: string; // envelope RCPT TO (this recipient)
  readonly subject?: string | undefined;
  readonly messageId?: string | undefined;
  readonly headerFrom?: string | undefined;
  /** Decoded values of a header field, by case-insensitive name; undefined before DATA. */
  readonly header?: ((name: string) => readonly string[]) | undefined;
}

export interface RuleDecision {
  /** The rule that fired, or null for the default (store in INBOX / allow). */
  readonly rule: Rule | null;
  readonly action: RuleAction;
}
