// RFC 9051 §6.2.1 STARTTLS: the handshake starts after the tagged OK; buffered plaintext is discarded.
import { bad, ok } from '../errors.js';
import { NOT_AUTH, type CommandSpec } from './types.js';

export const starttls: CommandSpec = {
  name: 'STARTTLS',
  states: NOT_AUTH,
  async run({ p, session }) {
    p.end();
    if (session.secure) return bad('TLS is already active');
    if (!session.opts.startTls) return bad('STARTTLS is not available');
    session.afterCompletion = () => session.upgradeTls();
    return ok('Begin TLS negotiation now');
  },
};
