// The grant path grammar (Everlock's access grants), parsed in one place for validation and for the directory:
//   smtp/mail/<domain>            send as any address of the domain
//   smtp/mail/<domain>:<local>    send as <local>@<domain>
//   imap/mail/<domain>:<local>    open the mailbox <local>@<domain>
// Roles are ordered reader < writer < owner.
import type { Role } from './types.js';
import { domainProblem, localPartProblem } from './names.js';

export const ROLES: readonly Role[] = ['reader', 'writer', 'owner'];

export type GrantTarget =
  | { readonly service: 'smtp'; readonly domain: string; readonly local?: string | undefined }
  | { readonly service: 'imap'; readonly domain: string; readonly local: string };

export type ParsedGrantPath = { ok: true; target: GrantTarget } | { ok: false; problem: string };

const GRAMMAR = 'expected smtp/mail/<domain>[:<local>] or imap/mail/<domain>:<local>';

export function parseGrantPath(path: string): ParsedGrantPath {
  const m = /^(smtp|imap)\/mail\/([^:/]+)(?::([^:/]+))?$/.exec(path);
  if (!m) return { ok: false, problem: `malformed grant path "${path}": ${GRAMMAR}` };
  const [, service, domain = '', local] = m;
  const dp = domainProblem(domain);
  if (dp) return { ok: false, problem: `grant path "${path}": ${dp}` };
  if (local !== undefined) {
    const lp = localPartProblem(local);
    if (lp) return { ok: false, problem: `grant path "${path}": ${lp}` };
  }
  if (service === 'imap') {
    if (local === undefined) return { ok: false, problem: `grant path "${path}": imap grants name one mailbox (imap/mail/<domain>:<local>)` };
    return { ok: true, target: { service, domain, local } };
  }
  return { ok: true, target: { service: 'smtp', domain, local } };
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}
