// rules.toml -> Rule[] (SPEC §5). Validation collects every problem with its file:line:col instead of stopping
// at the first, so `config check` and a failed live reload show the whole picture at once. The result is in
// evaluation order (priority, lower first; ties in file order), so the engine never sorts.
//
// Shape (Everlock's): one `[[rule]]` table per rule holding `id`, `name`, `priority`, `direction` and the match
// fields, and the action in its own table: `action = { type = "store", folder = "Receipts" }` or `[rule.action]`.
import { parseToml, type KeyPath, type Position } from '../config/toml.js';
import { didYouMean } from '../config/did-you-mean.js';
import { addressProblem } from '../config/names.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { canonicalFolder, folderProblem } from './folder.js';
import type { Direction, Rule, RuleAction, RuleMatch } from './types.js';

export const DEFAULT_PRIORITY = 10;
export const RULE_ID_PREFIX = 'rule-';

export const MATCH_FIELDS = [
  'sender',
  'receiver',
  'domain',
  'local_part',
  'subject_contains',
  'message_id',
  'header_from_contains',
  'header',
] as const;
export const RULE_FIELDS: readonly string[] = ['id', 'name', 'priority', 'direction', ...MATCH_FIELDS, 'action'];

export type ActionType = RuleAction['type'];
export const ACTION_FIELDS: Readonly<Record<ActionType, readonly string[]>> = {
  store: ['type', 'folder'],
  forward: ['type', 'to', 'keep_copy'],
  reject: ['type', 'code', 'enhanced', 'message'],
  drop: ['type'],
  allow: ['type'],
};
export const ACTION_TYPES = Object.keys(ACTION_FIELDS) as ActionType[];
const ALL_ACTION_FIELDS = [...new Set(Object.values(ACTION_FIELDS).flat())];

export const DEFAULT_REJECT = { code: 550, enhanced: '5.7.1', message: 'Message refused by recipient policy' } as const;

export interface ParsedRules {
  /** The valid rules, in evaluation order. */
  rules: Rule[];
  /** Every problem found; the rule set is unusable when any has severity 'error'. */
  issues: ConfigIssue[];
}

export type Locate = (path: KeyPath) => Position | undefined;

/** Parses and validates the text of a rules.toml; bad TOML comes back as an issue, never as a throw. */
export function parseRules(text: string, file: string): ParsedRules {
  let parsed;
  try {
    parsed = parseToml(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return { rules: [], issues: err.issues };
    throw err;
  }
  return validateRules(parsed.doc, file, parsed.locate);
}

/** Validates an already parsed document (the CLI checks a doc it is about to write this way). */
export function validateRules(doc: Record<string, unknown>, file: string, locate: Locate = () => undefined): ParsedRules {
  const issues: ConfigIssue[] = [];
  const report = (path: KeyPath, message: string): void => {
    const pos = locate(path);
    issues.push({ file, line: pos?.line, col: pos?.col, message, severity: 'error' });
  };
  for (const key of Object.keys(doc)) {
    if (key !== 'rule') report([key], unknownKey(key, ['rule'], 'top-level key') + ' (rules are [[rule]] tables)');
  }
  const list = doc.rule;
  if (list === undefined) return { rules: [], issues };
  if (!Array.isArray(list)) {
    report(['rule'], '"rule" must be an array of tables: write each rule as [[rule]]');
    return { rules: [], issues };
  }

  const firstLine = new Map<string, number | undefined>();
  const rules: Rule[] = [];
  list.forEach((entry: unknown, index: number) => {
    const rule = validateRule(entry, index, file, locate, report);
    if (!rule) return;
    if (firstLine.has(rule.id)) {
      const line = firstLine.get(rule.id);
      report(['rule', index, 'id'], `duplicate rule id "${rule.id}"${line !== undefined ? ` (first defined at line ${line})` : ''}`);
      return;
    }
    firstLine.set(rule.id, rule.line);
    rules.push(rule);
  });
  // Array.prototype.sort is stable: equal priorities keep file order.
  rules.sort((a, b) => a.priority - b.priority);
  return { rules, issues };
}

function validateRule(
  entry: unknown,
  index: number,
  file: string,
  locate: Locate,
  report: (path: KeyPath, message: string) => void,
): Rule | undefined {
  const at = (...keys: (string | number)[]): KeyPath => ['rule', index, ...keys];
  if (!isTable(entry)) {
    report(at(), 'each rule must be a table ([[rule]])');
    return undefined;
  }
  let ok = true;
  const fail = (path: KeyPath, message: string): void => {
    ok = false;
    report(path, message);
  };

  for (const key of Object.keys(entry)) {
    if (RULE_FIELDS.includes(key)) continue;
    if (ALL_ACTION_FIELDS.includes(key)) fail(at(key), `"${key}" belongs in the rule's action table (action = { type = "…", ${key} = … })`);
    else fail(at(key), unknownKey(key, RULE_FIELDS, 'rule field'));
  }

  const id = entry.id;
  if (id === undefined) fail(at(), 'rule has no "id"');
  else if (typeof id !== 'string') fail(at('id'), '"id" must be a string');
  else if (!id.startsWith(RULE_ID_PREFIX)) fail(at('id'), `rule id "${id}" must start with "${RULE_ID_PREFIX}"`);
  else if (!/^rule-[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) fail(at('id'), `rule id "${id}" may only contain letters, digits, ".", "_" and "-"`);

  const name = optionalString(entry, 'name', at, fail);
  let priority = DEFAULT_PRIORITY;
  if (entry.priority !== undefined) {
    if (typeof entry.priority !== 'number' || !Number.isInteger(entry.priority)) fail(at('priority'), '"priority" must be an integer');
    else priority = entry.priority;
  }
  let direction: Direction = 'inbound';
  if (entry.direction !== undefined) {
    if (entry.direction === 'inbound' || entry.direction === 'outbound') direction = entry.direction;
    else fail(at('direction'), `"direction" must be "inbound" or "outbound", not ${show(entry.direction)}`);
  }

  const match: { -readonly [K in keyof RuleMatch]: RuleMatch[K] } = {};
  match.sender = optionalString(entry, 'sender', at, fail, true);
  match.receiver = optionalString(entry, 'receiver', at, fail, true);
  match.domain = optionalString(entry, 'domain', at, fail, true);
  match.localPart = optionalString(entry, 'local_part', at, fail, true);
  match.subjectContains = optionalString(entry, 'subject_contains', at, fail, true);
  match.messageId = optionalString(entry, 'message_id', at, fail, true);
  match.headerFromContains = optionalString(entry, 'header_from_contains', at, fail, true);
  if (entry.header !== undefined) match.header = validateHeader(entry.header, at, fail);

  let action: RuleAction | undefined;
  if (entry.action === undefined) fail(at(), 'rule has no action (action = { type = "store", folder = "…" })');
  else action = validateAction(entry.action, direction, at, fail);

  if (!ok || typeof id !== 'string' || !action) return undefined;
  const line = locate(at())?.line;
  return {
    id,
    name,
    priority,
    direction,
    match,
    action,
    file,
    line,
  };
}

function validateHeader(value: unknown, at: (...k: (string | number)[]) => KeyPath, fail: (p: KeyPath, m: string) => void): RuleMatch['header'] {
  if (!isTable(value)) {
    fail(at('header'), '"header" must be a table: header = { name = "X-Spam-Flag", contains = "YES" }');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'name' && key !== 'contains') fail(at('header', key), unknownKey(key, ['name', 'contains'], 'header field'));
  }
  const { name, contains } = value;
  if (typeof name !== 'string' || !/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
    fail(at('header', 'name'), '"header.name" must be a header field name such as "X-Spam-Flag"');
    return undefined;
  }
  if (typeof contains !== 'string' || contains.length === 0) {
    fail(at('header', 'contains'), '"header.contains" must be a non-empty string');
    return undefined;
  }
  return { name, contains };
}

function validateAction(
  value: unknown,
  direction: Direction,
  at: (...k: (string | number)[]) => KeyPath,
  fail: (p: KeyPath, m: string) => void,
): RuleAction | undefined {
  const a = (...k: (string | number)[]): KeyPath => at('action', ...k);
  if (!isTable(value)) {
    fail(at('action'), '"action" must be a table: action = { type = "store", folder = "…" }');
    return undefined;
  }
  const type = value.type;
  if (typeof type !== 'string' || !(ACTION_TYPES as string[]).includes(type)) {
    const hint = typeof type === 'string' ? didYouMean(type, ACTION_TYPES) : undefined;
    fail(a('type'), `action "type" must be one of ${ACTION_TYPES.join(', ')}${type === undefined ? '' : `, not ${show(type)}`}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    return undefined;
  }
  const t = type as ActionType;
  let ok = true;
  const bad = (p: KeyPath, m: string): void => {
    ok = false;
    fail(p, m);
  };
  for (const key of Object.keys(value)) {
    if (ACTION_FIELDS[t].includes(key)) continue;
    if (ALL_ACTION_FIELDS.includes(key)) bad(a(key), `"${key}" is not a field of a ${t} action (${t} takes ${ACTION_FIELDS[t].join(', ')})`);
    else bad(a(key), unknownKey(key, ACTION_FIELDS[t], `${t} action field`));
  }
  if (t === 'store' && direction === 'outbound') {
    bad(a('type'), 'a store action applies to inbound rules only (outbound mail is already kept in the sender\'s Sent folder)');
  }

  switch (t) {
    case 'store': {
      let folder = 'INBOX';
      if (value.folder !== undefined) {
        const problem = typeof value.folder === 'string' ? folderProblem(value.folder) : '"folder" must be a string';
        if (problem) bad(a('folder'), problem);
        else folder = canonicalFolder(value.folder as string);
      }
      return ok ? { type: 'store', folder } : undefined;
    }
    case 'forward': {
      const raw = typeof value.to === 'string' ? [value.to] : value.to;
      const to: string[] = [];
      if (raw === undefined) bad(a(), 'a forward action needs "to" (to = ["someone@example.org"])');
      else if (!Array.isArray(raw) || raw.length === 0) bad(a('to'), '"to" must be a non-empty array of addresses');
      else {
        raw.forEach((addr: unknown, i: number) => {
          const path = typeof value.to === 'string' ? a('to') : a('to', i);
          if (typeof addr !== 'string') return bad(path, '"to" entries must be strings');
          const lower = addr.trim().toLowerCase();
          const problem = addressProblem(lower);
          if (problem) return bad(path, problem);
          to.push(lower);
        });
      }
      let keepCopy = false;
      if (value.keep_copy !== undefined) {
        if (typeof value.keep_copy !== 'boolean') bad(a('keep_copy'), '"keep_copy" must be true or false');
        else keepCopy = value.keep_copy;
      }
      return ok ? { type: 'forward', to, keepCopy } : undefined;
    }
    case 'reject': {
      let code: number = DEFAULT_REJECT.code;
      let enhanced: string | undefined;
      if (typeof value.code === 'string') {
        // Everlock's combined form: code = "550 5.7.1".
        const m = /^([45]\d\d)(?: ([45]\.\d{1,3}\.\d{1,3}))?$/.exec(value.code.trim());
        if (!m) bad(a('code'), `"code" must be an SMTP reply code such as 550 or "550 5.7.1", not ${show(value.code)}`);
        else {
          code = Number(m[1]);
          enhanced = m[2];
        }
      } else if (value.code !== undefined) {
        if (typeof value.code !== 'number' || !Number.isInteger(value.code) || value.code < 400 || value.code > 599) {
          bad(a('code'), `"code" must be a 4xx or 5xx SMTP reply code, not ${show(value.code)}`);
        } else code = value.code;
      }
      if (value.enhanced !== undefined) {
        if (typeof value.enhanced !== 'string' || !/^[45]\.\d{1,3}\.\d{1,3}$/.test(value.enhanced)) {
          bad(a('enhanced'), `"enhanced" must be an enhanced status code such as "5.7.1", not ${show(value.enhanced)}`);
        } else enhanced = value.enhanced;
      }
      enhanced ??= code >= 500 ? DEFAULT_REJECT.enhanced : '4.7.1';
      if (enhanced[0] !== String(code)[0]) bad(a('enhanced'), `enhanced code ${enhanced} does not agree with reply code ${code} (both must be 4xx or 5xx)`);
      let message: string = DEFAULT_REJECT.message;
      if (value.message !== undefined) {
        if (typeof value.message !== 'string' || !/^[\x20-\x7e]+$/.test(value.message)) {
          bad(a('message'), '"message" must be one line of printable ASCII (it is sent as the SMTP reply text)');
        } else message = value.message;
      }
      return ok ? { type: 'reject', code, enhanced, message } : undefined;
    }
    case 'drop':
      return ok ? { type: 'drop' } : undefined;
    case 'allow':
      return ok ? { type: 'allow' } : undefined;
  }
}

function optionalString(
  entry: Record<string, unknown>,
  key: string,
  at: (...k: (string | number)[]) => KeyPath,
  fail: (p: KeyPath, m: string) => void,
  nonEmpty = false,
): string | undefined {
  const v = entry[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    fail(at(key), `"${key}" must be a string, not ${show(v)}`);
    return undefined;
  }
  if (nonEmpty && v.length === 0) {
    fail(at(key), `"${key}" must not be empty (leave it out to match everything)`);
    return undefined;
  }
  return v;
}

export function unknownKey(key: string, known: readonly string[], what: string): string {
  const hint = didYouMean(key, known);
  return `unknown ${what} "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return String(v);
}
