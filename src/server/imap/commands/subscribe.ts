// RFC 9051 §6.3.7 SUBSCRIBE mailbox
import { no, ok, type Completion } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import { AUTH, type CommandContext, type CommandSpec } from './types.js';

/** SUBSCRIBE and UNSUBSCRIBE differ only in the value stored. */
export async function setSubscription({ p, session, name: command }: CommandContext, subscribed: boolean): Promise<Completion> {
  p.sp();
  const name = p.mailbox();
  p.end();
  const target = resolveFolder(session.user(), name);
  // Subscribing to a name that does not exist is refused (RFC 3501 §6.3.6 allows the check): LSUB and
  // LIST (SUBSCRIBED) list existing folders, so the subscription could never be seen. Unsubscribing
  // always works, so a stale subscription can be removed.
  if (subscribed && !(await target.mailbox.listFolders()).some((f) => f.name === target.folder)) {
    return no('Mailbox does not exist', 'NONEXISTENT');
  }
  await target.mailbox.setSubscribed(target.folder, subscribed);
  return ok(`${command} completed`);
}

export const subscribe: CommandSpec = {
  name: 'SUBSCRIBE',
  states: AUTH,
  run: (ctx) => setSubscription(ctx, true),
};
