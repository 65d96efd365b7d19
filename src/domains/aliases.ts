// Aliases and lists, stored in the domain file's [aliases] table (SPEC §3): `sales = ["alice", "bob@example.org"]`.
// A target is a local part of the same domain, a login, or a full address. Adding to an existing alias extends
// it; removing takes the whole alias or only the named targets. Every change is checked with the loader's own
// validator, so an alias can never point nowhere or loop.
import { UserError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { updateConfigFile, type Doc } from '../config/write.js';
import { addressProblem, localPartProblem, splitAddress } from '../config/names.js';
import type { Paths } from '../config/paths.js';
import type { ConfigSnapshot } from '../config/types.js';
import { checkDomainDoc } from './check.js';
import { domainFile, existingDoc, readDomainDoc, requireDomain, table, type EditOptions } from './domains.js';

export interface AliasEntry {
  address: string;
  targets: string[];
}

function targetArg(raw: string): string {
  const t = raw.trim().toLowerCase();
  const p = t.includes('@') ? addressProblem(t) : localPartProblem(t);
  if (p) throw new UserError(`alias target "${raw}": ${p}`);
  return t;
}

function targetsOf(aliases: Doc, local: string): string[] {
  const v = aliases[local];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function store(doc: Doc, local: string, targets: readonly string[]): void {
  const aliases = table(doc, 'aliases');
  if (targets.length === 0) delete aliases[local];
  else aliases[local] = targets.length === 1 ? targets[0] : [...targets];
  if (Object.keys(aliases).length === 0) delete doc.aliases;
}

function ownerOf(snap: ConfigSnapshot, address: string): string | undefined {
  for (const u of snap.users.values()) if (u.addresses.includes(address)) return u.login;
  return undefined;
}

export async function addAlias(paths: Paths, address: string, rawTargets: readonly string[], opts: EditOptions): Promise<AliasEntry> {
  if (rawTargets.length === 0) throw new UserError('an alias needs at least one target');
  const targets = rawTargets.map(targetArg);
  const { local, domain } = splitAddress(address);
  if (local === 'catch_all') throw new UserError('"catch_all" is reserved: use everlock mail domains set <domain> catch_all=<target>');
  const snap = await loadConfig(paths);
  requireDomain(snap, domain);
  const owner = ownerOf(snap, address);
  if (owner) throw new UserError(`${address} is a mailbox of user "${owner}", not an alias`);
  let result: string[] = [];
  const apply = (doc: Doc): Doc => {
    const merged = [...targetsOf(table(doc, 'aliases'), local)];
    for (const t of targets) if (!merged.includes(t)) merged.push(t);
    if (merged.includes(local) || merged.includes(address)) throw new UserError(`alias ${address} cannot point at itself`);
    store(doc, local, merged);
    checkDomainDoc(paths, snap, domain, doc);
    result = merged;
    return doc;
  };
  apply(existingDoc(await readDomainDoc(paths, domain), domain));
  await updateConfigFile(paths, domainFile(domain), (current) => apply(existingDoc(current, domain)), {
    message: `aliases: add ${address} -> ${targets.join(', ')}`,
    commit: opts.commit,
  });
  return { address, targets: result };
}

export async function removeAlias(paths: Paths, address: string, rawTargets: readonly string[], opts: EditOptions): Promise<AliasEntry> {
  const targets = rawTargets.map(targetArg);
  const { local, domain } = splitAddress(address);
  const snap = await loadConfig(paths);
  requireDomain(snap, domain);
  let remaining: string[] = [];
  const apply = (doc: Doc): Doc => {
    const current = targetsOf(table(doc, 'aliases'), local);
    if (current.length === 0) throw new UserError(`no alias ${address} (everlock mail aliases list ${domain})`);
    for (const t of targets) if (!current.includes(t)) throw new UserError(`alias ${address} has no target "${t}"`);
    remaining = targets.length === 0 ? [] : current.filter((t) => !targets.includes(t));
    store(doc, local, remaining);
    if (remaining.length === 0) {
      // Another alias or the catch-all naming this one would point nowhere.
      for (const d of snap.domains.values()) {
        for (const [other, list] of d.aliases) {
          if (d.name === domain && other === local) continue;
          if (list.includes(address) || (d.name === domain && list.includes(local))) {
            throw new UserError(`alias ${other}@${d.name} points at ${address}: change it first`);
          }
        }
      }
    }
    checkDomainDoc(paths, snap, domain, doc);
    return doc;
  };
  apply(existingDoc(await readDomainDoc(paths, domain), domain));
  await updateConfigFile(paths, domainFile(domain), (current) => apply(existingDoc(current, domain)), {
    message: targets.length === 0 ? `aliases: remove ${address}` : `aliases: remove ${targets.join(', ')} from ${address}`,
    commit: opts.commit,
  });
  return { address, targets: remaining };
}

export async function listAliases(paths: Paths, domain?: string): Promise<AliasEntry[]> {
  const snap = await loadConfig(paths);
  const domains = domain === undefined ? [...snap.domains.values()] : [requireDomain(snap, domain)];
  const out: AliasEntry[] = [];
  for (const d of domains.sort((a, b) => a.name.localeCompare(b.name))) {
    for (const [local, targets] of [...d.aliases].sort(([a], [b]) => a.localeCompare(b))) out.push({ address: `${local}@${d.name}`, targets: [...targets] });
    if (d.catchAll !== undefined) out.push({ address: `*@${d.name}`, targets: [d.catchAll] });
  }
  return out;
}
