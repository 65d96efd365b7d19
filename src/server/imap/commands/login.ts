// RFC 9051 §6.2.3 LOGIN userid password
import { bad, no, ok } from '../errors.js';
import { completeLogin } from './login-flow.js';
import { NOT_AUTH, type CommandSpec } from './types.js';

export const login: CommandSpec = {
  name: 'LOGIN',
  states: NOT_AUTH,
  async run({ p, session }) {
    p.sp();
    const user = p.astring();
    p.sp();
    const password = p.astring();
    p.end();
    if (!session.authAllowed) return no('Plaintext authentication is disabled; use STARTTLS', 'PRIVACYREQUIRED');
    if (user === '') return bad('Empty user name');
    const result = await completeLogin(session, user, password);
    return result ?? ok(`Logged in`, `CAPABILITY ${session.capabilityList().join(' ')}`);
  },
};
