// Where everlock's files live. One home holds everything unless the admin splits config (the git repo) from
// data (mail, queue, keys, certificates); see SPEC §1.
import { join, resolve } from 'node:path';

export interface Paths {
  /** The config repo: everlock.toml, rules.toml, domains/, users/. */
  readonly config: string;
  /** Mail, queue, DKIM keys and certificates; never committed. */
  readonly data: string;
}

export interface PathOptions {
  home?: string | undefined;
  config?: string | undefined;
  data?: string | undefined;
}

export const DEFAULT_HOME = 'everlock-mail';

/** Flags win over env vars (EVERLOCK_HOME/CONFIG/DATA), which win over ./everlock-mail. */
export function resolvePaths(opts: PathOptions = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Paths {
  // Empty strings count as unset, so `EVERLOCK_HOME= everlock …` falls back to the default.
  const home = resolve(cwd, opts.home || env.EVERLOCK_HOME || DEFAULT_HOME);
  return {
    config: resolve(cwd, opts.config || env.EVERLOCK_CONFIG || home),
    data: resolve(cwd, opts.data || env.EVERLOCK_DATA || home),
  };
}

export const configFiles = {
  server: (p: Paths) => join(p.config, 'everlock.toml'),
  rules: (p: Paths) => join(p.config, 'rules.toml'),
  domainsDir: (p: Paths) => join(p.config, 'domains'),
  domain: (p: Paths, domain: string) => join(p.config, 'domains', `${domain}.toml`),
  usersDir: (p: Paths) => join(p.config, 'users'),
  user: (p: Paths, login: string) => join(p.config, 'users', `${login}.toml`),
};

export const dataFiles = {
  mailRoot: (p: Paths) => join(p.data, 'mail'),
  /** The Maildir++ root of one mailbox. Callers must have validated domain and local part first. */
  maildir: (p: Paths, domain: string, local: string) => join(p.data, 'mail', domain, local),
  queue: (p: Paths) => join(p.data, 'queue'),
  dkimKey: (p: Paths, domain: string, selector: string) => join(p.data, 'keys', 'dkim', domain, `${selector}.pem`),
  dkimDir: (p: Paths, domain: string) => join(p.data, 'keys', 'dkim', domain),
  certDir: (p: Paths, host: string) => join(p.data, 'config', host),
  selfSignedDir: (p: Paths) => join(p.data, 'config', 'self-signed'),
};
