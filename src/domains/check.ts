// A domain file about to be written is checked by the same validator the loader uses (and its alias targets
// against the rest of the config), so the CLI can never write a domain file that `config check` or a live
// reload would then refuse.
import { UserError } from '../errors.js';
import { validateDomain } from '../config/validate-domain.js';
import { checkAliases } from '../config/validate-cross.js';
import { configFiles, type Paths } from '../config/paths.js';
import type { ConfigSnapshot, DomainConfig } from '../config/types.js';
import type { Doc } from '../config/write.js';

/** The domain as the loader will see `doc`; throws UserError with the first problem. */
export function checkDomainDoc(paths: Paths, snap: ConfigSnapshot, name: string, doc: Doc): DomainConfig {
  const rel = `domains/${name}.toml`;
  const vd = validateDomain(name, { doc, locate: () => undefined }, rel, configFiles.domain(paths, name));
  const domains = new Map(snap.domains);
  domains.set(name, vd.config);
  checkAliases({ ...snap, domains }, [vd]);
  const error = vd.checker.issues.find((i) => i.severity === 'error');
  if (error) throw new UserError(`${rel}: ${error.message}`);
  return vd.config;
}
