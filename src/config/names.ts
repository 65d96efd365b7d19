// Validation of the names that become file and directory names (domains, local parts, logins). Everything that
// reaches a path (`mail/<domain>/<local>/`, `users/<login>.toml`) passes through here first, so no name can
// contain `/`, `\`, NUL, start with `.`, or be `..`: path traversal is impossible by construction.

/** Lower-case ASCII domain (A-label), at least two labels, each 1–63 of [a-z0-9-] not starting/ending with `-`. */
export function domainProblem(name: string): string | undefined {
  if (name.length === 0) return 'domain name is empty';
  if (name.length > 253) return 'domain name is longer than 253 characters';
  if (name !== name.toLowerCase()) return 'domain name must be lower case';
  const labels = name.split('.');
  if (labels.length < 2 && name !== 'localhost') return 'domain name needs at least two labels (e.g. example.com)';
  for (const label of labels) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) return `invalid domain label "${label}"`;
  }
  return undefined;
}

/**
 * A local part usable as a directory name: dot-atom characters only (RFC 5321 without quoted strings), no
 * leading, trailing or doubled dot, lower case, at most 64 characters.
 */
export function localPartProblem(local: string): string | undefined {
  if (local.length === 0) return 'local part is empty';
  if (local.length > 64) return 'local part is longer than 64 characters';
  if (local !== local.toLowerCase()) return 'local part must be lower case';
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'local part must not start or end with "." or contain ".."';
  if (!/^[a-z0-9!#$%&'*+=?^_`{|}~.-]+$/.test(local)) return `invalid character in local part "${local}"`;
  return undefined;
}

/** `local@domain`, both parts valid; the address must already be lower case. */
export function addressProblem(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return `"${address}" is not an address (local@domain)`;
  const problem = localPartProblem(address.slice(0, at)) ?? domainProblem(address.slice(at + 1));
  return problem ? `invalid address "${address}": ${problem}` : undefined;
}

/** A login is the users/<login>.toml file name: a local part, or a full address. */
export function loginProblem(login: string): string | undefined {
  if (login.includes('@')) return addressProblem(login);
  const problem = localPartProblem(login);
  return problem ? `invalid login "${login}": ${problem.replace('local part', 'login')}` : undefined;
}

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}
