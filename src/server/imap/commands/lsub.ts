// RFC 3501 §6.3.9 LSUB reference mailbox: subscribed names matching the pattern.
import { ok } from '../errors.js';
import { listEverything, patternMatcher, SEPARATOR } from '../namespaces.js';
import { atom, MailboxName, str } from '../protocol/values.js';
import { AUTH, type CommandSpec } from './types.js';

export const lsub: CommandSpec = {
  name: 'LSUB',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const reference = p.mailbox();
    p.sp();
    const pattern = p.listMailbox();
    p.end();
    const match = patternMatcher(reference + pattern);
    const entries = await listEverything(session.user());
    const subscribed = entries.filter((e) => e.subscribed);
    const sent = new Set<string>();
    for (const e of subscribed) {
      if (match(e.name)) {
        session.send([atom('LSUB'), [], str(SEPARATOR), new MailboxName(e.name)]);
        sent.add(e.name);
        continue;
      }
      // `%` stops at a level: a parent of a subscribed folder is listed \Noselect (RFC 3501 §6.3.9).
      const parts = e.name.split(SEPARATOR);
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join(SEPARATOR);
        if (!sent.has(parent) && match(parent)) {
          sent.add(parent);
          session.send([atom('LSUB'), [atom('\\Noselect')], str(SEPARATOR), new MailboxName(parent)]);
        }
      }
    }
    return ok('LSUB completed');
  },
};
