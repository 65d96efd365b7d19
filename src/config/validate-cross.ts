// Checks that span files: addresses and grants must name configured domains, an address has one owner and is
// not also an alias, alias and catch-all targets must reach a user, alias, shared mailbox or external address,
// and alias chains must end somewhere. Also computes each user's owned addresses (explicit ones first, then
// the login itself or `<login>@<domain>` for every domain), which fixes their primary mailbox.
import type { ConfigSnapshot, DomainConfig, UserConfig } from './types.js';
import { aliasDelivers, targetResolves } from './directory.js';
import { splitAddress } from './names.js';
import type { ValidatedDomain } from './validate-domain.js';
import type { ValidatedUser } from './validate-user.js';

/** Builds the users with their owned addresses, reporting conflicts on the users' checkers. */
export function resolveUsers(domains: ReadonlyMap<string, DomainConfig>, users: readonly ValidatedUser[]): Map<string, UserConfig> {
  const explicitOwner = new Map<string, string>();
  const sorted = [...users].sort((a, b) => (a.login < b.login ? -1 : a.login > b.login ? 1 : 0));

  for (const u of sorted) {
    for (const { address, keyPath } of u.addresses) {
      const { local, domain } = splitAddress(address);
      const d = domains.get(domain);
      if (!d) u.checker.error(keyPath, `address "${address}" is in unknown domain "${domain}" (no domains/${domain}.toml)`);
      else if (d.aliases.has(local)) u.checker.error(keyPath, `address "${address}" is also an alias in domains/${domain}.toml`);
      const other = explicitOwner.get(address);
      if (other !== undefined) u.checker.error(keyPath, `address "${address}" is already owned by user "${other}"`);
      else explicitOwner.set(address, u.login);
    }
    for (const { grant, target, keyPath } of u.grants) {
      if (!domains.has(target.domain)) u.checker.error([...keyPath, 'path'], `grant "${grant.path}" names unknown domain "${target.domain}"`);
      else if (target.service === 'imap' && domains.get(target.domain)?.aliases.has(target.local)) {
        u.checker.error([...keyPath, 'path'], `grant "${grant.path}" names an alias; grant the mailbox it delivers to instead`);
      }
    }
  }
  // A login that is an address of a local domain owns that address, unless someone lists it explicitly.
  for (const u of sorted) {
    if (!u.login.includes('@')) continue;
    const owner = explicitOwner.get(u.login);
    if (domains.has(splitAddress(u.login).domain) && (owner === undefined || owner === u.login)) explicitOwner.set(u.login, u.login);
  }

  const domainNames = [...domains.keys()].sort();
  const out = new Map<string, UserConfig>();
  for (const u of sorted) {
    const addresses = u.addresses.map((a) => a.address);
    const implicit = u.login.includes('@') ? [u.login] : domainNames.map((d) => `${u.login}@${d}`);
    for (const a of implicit) {
      const { local, domain } = splitAddress(a);
      if (!domains.has(domain) || addresses.includes(a)) continue;
      const owner = explicitOwner.get(a);
      if ((owner === undefined || owner === u.login) && !domains.get(domain)?.aliases.has(local)) addresses.push(a);
    }
    if (addresses.length === 0) u.checker.warning([], `user "${u.login}" has no mailbox: no address and no domain to give one`);
    out.set(u.login, {
      login: u.login,
      password: u.password,
      addresses,
      grants: u.grants.map((g) => g.grant),
      quotaBytes: u.quotaBytes,
      file: u.file,
    });
  }
  return out;
}

/** Alias and catch-all targets, checked against the assembled snapshot (the directory's own resolution). */
export function checkAliases(snap: ConfigSnapshot, domains: readonly ValidatedDomain[]): void {
  for (const vd of domains) {
    const name = vd.config.name;
    for (const { local, targets } of vd.aliasRefs) {
      let broken = false;
      for (const ref of targets) {
        if (!targetResolves(snap, name, ref.target)) {
          broken = true;
          vd.checker.error(ref.keyPath, `alias target "${ref.target}" is not a user, alias, shared mailbox or address`);
        }
      }
      if (!broken && targets.length > 0 && !aliasDelivers(snap, name, local)) {
        vd.checker.error(['aliases', local], `alias "${local}@${name}" loops: it never reaches a mailbox or external address`);
      }
    }
    const ca = vd.catchAllRef;
    if (ca && !targetResolves(snap, name, ca.target)) {
      vd.checker.error(ca.keyPath, `catch-all target "${ca.target}" is not a user, alias, shared mailbox or address`);
    }
  }
}
