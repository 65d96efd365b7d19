// RFC 9051 §6.3.7 SUBSCRIBE mailbox
import { ok } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import { AUTH, type CommandContext, type CommandSpec } from './types.js';

/** SUBSCRIBE and UNSUBSCRIBE differ only in the value stored. */
export async function setSubscription({ p, session, name: command }: CommandContext, subscribed: boolean): Promise<ReturnType<typeof ok>> {
  p.sp();
  const name = p.mailbox();
  p.end();
  const target = resolveFolder(session.user(), name);
  await target.mailbox.setSubscribed(target.folder, subscribed);
  return ok(`${command} completed`);
}

export const subscribe: CommandSpec = {
  name: 'SUBSCRIBE',
  states: AUTH,
  run: (ctx) => setSubscription(ctx, true),
};
