// The part of LOGIN and AUTHENTICATE after the credentials are known: throttling per IP, the check, the
// state change. Returns a failure completion, or undefined on success.
import { no, type Completion } from '../errors.js';
import type { Session } from '../session/session.js';

export async function completeLogin(session: Session, login: string, password: string): Promise<Completion | undefined> {
  const ip = session.opts.remoteAddress;
  const throttle = session.opts.throttle;
  if (throttle.isLocked(ip)) return no('Too many failed logins; try again later', 'UNAVAILABLE');
  const identity = await session.opts.authenticate(login, password);
  if (!identity) {
    throttle.failure(ip);
    session.log.info('login failed', { login, ip });
    return no('Authentication failed', 'AUTHENTICATIONFAILED');
  }
  throttle.success(ip);
  await session.login(identity);
  session.log.info('login', { login: identity.login, ip });
  return undefined;
}
