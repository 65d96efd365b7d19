// RFC 9051 §6.1.3 LOGOUT: `* BYE`, the tagged OK, then the connection closes.
import { ok } from '../errors.js';
import { ANY, type CommandSpec } from './types.js';

export const logout: CommandSpec = {
  name: 'LOGOUT',
  states: ANY,
  async run({ p, session }) {
    p.end();
    session.deselect();
    session.sendLine('* BYE Logging out');
    session.afterCompletion = () => session.close();
    return ok('Logout completed');
  },
};
