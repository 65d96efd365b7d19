// RFC 9051 §6.3.9 LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// LIST-EXTENDED (RFC 5258): selection SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE (RFC 6154); return
// SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS (RFC 5819). Containers are \Noselect; implied parents
// are \Noselect in a base LIST and \NonExistent in an extended one.
import { ok } from '../errors.js';
import { listEverything, patternMatcher, SEPARATOR, type ListEntry } from '../namespaces.js';
import { atom, MailboxName, str, type Value } from '../protocol/values.js';
import { statusAttributes, statusResponse } from './status.js';
import { AUTH, type CommandSpec } from './types.js';

interface ListOptions {
  subscribedOnly: boolean;
  recursiveMatch: boolean;
  specialUseOnly: boolean;
  returnSubscribed: boolean;
  returnStatus?: string[] | undefined;
}

export const list: CommandSpec = {
  name: 'LIST',
  states: AUTH,
  async run({ p, session }) {
    const o: ListOptions = { subscribedOnly: false, recursiveMatch: false, specialUseOnly: false, returnSubscribed: false };
    p.sp();
    // Any selection or return option, or several patterns, makes this an extended LIST (RFC 5258 §3).
    let extended = false;
    if (p.peek() === 0x28) {
      extended = true;
      p.list(() => {
        const opt = p.keyword();
        if (opt === 'SUBSCRIBED') o.subscribedOnly = true;
        else if (opt === 'RECURSIVEMATCH') o.recursiveMatch = true;
        else if (opt === 'SPECIAL-USE') o.specialUseOnly = true;
        else if (opt !== 'REMOTE') p.fail(`Unknown LIST selection option ${opt}`);
      });
      p.sp();
      if (o.recursiveMatch && !o.subscribedOnly) p.fail('RECURSIVEMATCH needs another selection option');
    }
    const reference = p.mailbox();
    p.sp();
    if (p.peek() === 0x28) extended = true;
    const patterns = p.peek() === 0x28 ? p.list(() => p.listMailbox(), false) : [p.listMailbox()];
    if (p.trySp()) {
      extended = true;
      if (!p.tryKeyword('RETURN')) p.fail('Expected RETURN');
      p.sp();
      p.list(() => {
        const opt = p.keyword();
        if (opt === 'SUBSCRIBED') o.returnSubscribed = true;
        else if (opt === 'STATUS') {
          p.sp();
          o.returnStatus = statusAttributes(p);
        } else if (opt !== 'CHILDREN' && opt !== 'SPECIAL-USE') p.fail(`Unknown LIST return option ${opt}`);
      });
    }
    p.end();

    if (patterns.length === 1 && patterns[0] === '') {
      // The hierarchy delimiter and root of the reference (RFC 9051 §6.3.9).
      const root = reference.startsWith('Shared/') ? 'Shared/' : '';
      session.send([atom('LIST'), [atom('\\Noselect')], str(SEPARATOR), new MailboxName(root)]);
      return ok('LIST completed');
    }
    const entries = withImpliedParents(await listEverything(session.user()));
    const matchers = patterns.map((pat) => patternMatcher(reference + pat));
    const matches = (name: string): boolean => matchers.some((m) => m(name));
    for (const e of entries) {
      let childInfo = false;
      if (!matches(e.name)) continue;
      if (o.specialUseOnly && !e.specialUse) continue;
      if (o.subscribedOnly && !e.subscribed) {
        childInfo = o.recursiveMatch && entries.some((c) => c.subscribed && c.name.startsWith(e.name + SEPARATOR));
        if (!childInfo) continue;
      }
      const attrs: Value[] = [];
      // A name that is only the parent of others does not exist: extended LIST says so (RFC 5258 §3,
      // \NonExistent implies \Noselect); the base LIST keeps RFC 3501's \Noselect.
      if (e.implied && extended) attrs.push(atom('\\NonExistent'));
      else if (!e.selectable) attrs.push(atom('\\Noselect'));
      attrs.push(atom(e.hasChildren ? '\\HasChildren' : '\\HasNoChildren'));
      if (e.subscribed && (o.subscribedOnly || o.returnSubscribed)) attrs.push(atom('\\Subscribed'));
      if (e.specialUse) attrs.push(atom(e.specialUse));
      const line: Value[] = [atom('LIST'), attrs, str(SEPARATOR), new MailboxName(e.name)];
      if (childInfo) line.push([str('CHILDINFO'), [str('SUBSCRIBED')]]);
      session.send(line);
      if (o.returnStatus && e.selectable) {
        try {
          session.send(await statusResponse(session, e.name, o.returnStatus));
        } catch {
          // A folder that vanished between the listing and STATUS is just not reported (RFC 5819 §2).
        }
      }
      await session.maybeFlush();
    }
    return ok('LIST completed');
  },
};

/**
 * Adds `a` as \Noselect when only `a/b` exists, so `%` can walk the hierarchy (RFC 9051 §6.3.9). Each
 * implied parent goes just before its first child, so a listing reads top-down.
 */
export function withImpliedParents(entries: ListEntry[]): ListEntry[] {
  const names = new Set(entries.map((e) => e.name));
  const out: ListEntry[] = [];
  for (const e of entries) {
    const parts = e.name.split(SEPARATOR);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(SEPARATOR);
      if (names.has(parent)) continue;
      names.add(parent);
      out.push({ name: parent, selectable: false, hasChildren: true, subscribed: false, implied: true });
    }
    out.push(e);
  }
  return out;
}
