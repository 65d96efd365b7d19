// RFC 9051 §6.2.2 AUTHENTICATE auth-type [SP (base64 / "=")]  (SASL-IR, RFC 4959); mechanism PLAIN (RFC 4616).
import { bad, no, ok } from '../errors.js';
import { completeLogin } from './login-flow.js';
import { NOT_AUTH, type CommandSpec } from './types.js';

export const authenticate: CommandSpec = {
  name: 'AUTHENTICATE',
  states: NOT_AUTH,
  async run({ p, session }) {
    p.sp();
    const mechanism = p.keyword();
    let initial: string | undefined;
    if (p.trySp()) initial = p.atom();
    p.end();
    if (mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', 'CANNOT');
    if (!session.authAllowed) return no('Plaintext authentication is disabled; use STARTTLS', 'PRIVACYREQUIRED');
    if (initial === undefined) {
      session.sendLine('+ ');
      await session.flush();
      session.maskInput = true;
      const line = await session.readLine();
      session.maskInput = false;
      if (line === null) return bad('Connection closed');
      initial = line.toString('latin1').trim();
    }
    if (initial === '*') return bad('Authentication cancelled');
    if (initial !== '=' && !/^[A-Za-z0-9+/]*={0,2}$/.test(initial)) return bad('Invalid base64 data');
    const decoded = initial === '=' ? '' : Buffer.from(initial, 'base64').toString('utf8');
    const parts = decoded.split('\0');
    if (parts.length !== 3) return bad('Invalid PLAIN response');
    const [authzid, authcid, password] = parts as [string, string, string];
    if (authcid === '') return no('Authentication failed', 'AUTHENTICATIONFAILED');
    if (authzid !== '' && authzid !== authcid) return no('Proxy authorization is not supported', 'AUTHORIZATIONFAILED');
    const result = await completeLogin(session, authcid, password);
    return result ?? ok('Logged in', `CAPABILITY ${session.capabilityList().join(' ')}`);
  },
};
