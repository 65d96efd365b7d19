// Who may log in without TLS. `allow_insecure_auth = true` in everlock.toml allows everyone (a deliberate
// choice, for a TLS-terminating proxy in front); `--dev` allows only loopback peers, so a development server
// that happens to listen on a public address still never takes a password in the clear from the network.
import { isIP } from 'node:net';

export type InsecureAuthPolicy = (remoteAddress: string) => boolean;

export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

export function insecureAuthPolicy(allowEveryone: boolean, dev: boolean): InsecureAuthPolicy {
  if (allowEveryone) return () => true;
  if (dev) return isLoopback;
  return () => false;
}
