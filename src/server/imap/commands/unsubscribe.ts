// RFC 9051 §6.3.8 UNSUBSCRIBE mailbox
import { setSubscription } from './subscribe.js';
import { AUTH, type CommandSpec } from './types.js';

export const unsubscribe: CommandSpec = {
  name: 'UNSUBSCRIBE',
  states: AUTH,
  run: (ctx) => setSubscription(ctx, false),
};
