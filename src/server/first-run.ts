// The first `npm start` (`everlock serve --dev` on an empty home): create the layout and git repo, the domain
// `localhost` with DKIM keys, and the user `postmaster@localhost` with a generated password that is shown once
// and stored only as a scrypt hash. It runs only when the config has no domain and no user, so it never
// touches a configured install.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { Paths } from '../config/paths.js';
import { configFiles } from '../config/paths.js';

export const FIRST_DOMAIN = 'localhost';
export const FIRST_USER = 'postmaster@localhost';

export interface FirstRun {
  readonly login: string;
  readonly password: string;
}

async function tomlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.toml'));
  } catch {
    return [];
  }
}

/** Whether the config has neither a domain nor a user (missing directories count as empty). */
export async function isUnconfigured(paths: Paths): Promise<boolean> {
  const [domains, users] = await Promise.all([tomlFiles(configFiles.domainsDir(paths)), tomlFiles(configFiles.usersDir(paths))]);
  return domains.length === 0 && users.length === 0;
}

/** A password a person can type: 20 characters from an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b >= alphabet.length * Math.floor(256 / alphabet.length)) continue;
    out += alphabet[b % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}

/** Initializes an empty home; returns the first user's credentials, or undefined when the config is not empty. */
export async function firstRun(paths: Paths): Promise<FirstRun | undefined> {
  const { initHome } = await import('../config/init.js');
  await initHome(paths);
  if (!(await isUnconfigured(paths))) return undefined;
  const { generateDkimKey, writeDkimKey } = await import('../dkim/keys.js');
  const { hashPassword } = await import('../config/passwords.js');
  const { updateConfigFile } = await import('../config/write.js');
  const [ed25519, rsa] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('rsa')]);
  await writeDkimKey(paths, FIRST_DOMAIN, 'default', ed25519, { overwrite: true });
  await writeDkimKey(paths, FIRST_DOMAIN, 'default-rsa', rsa, { overwrite: true });
  await updateConfigFile(
    paths,
    `domains/${FIRST_DOMAIN}.toml`,
    () => ({
      enabled: true,
      submission: { enabled: true, auth: 'authenticated' },
      outbound: { hostname: FIRST_DOMAIN, dkim: { enabled: true, selector: 'default', rsa_selector: 'default-rsa' } },
    }),
    { message: `mail domains: create ${FIRST_DOMAIN}`, commit: true },
  );
  const password = generatePassword();
  const hash = await hashPassword(password);
  await updateConfigFile(paths, `users/${FIRST_USER}.toml`, () => ({ password: hash, addresses: [FIRST_USER] }), {
    message: `users: add ${FIRST_USER}`,
    commit: true,
  });
  // Create the mailbox now, so the first client to log in sees INBOX and the special folders at once.
  const { openMailStore } = await import('../maildir/index.js');
  const { dataFiles } = await import('../config/paths.js');
  const store = openMailStore({ root: dataFiles.mailRoot(paths), watch: false });
  try {
    await store.mailbox({ domain: FIRST_DOMAIN, local: 'postmaster' }, { create: true });
  } finally {
    await store.close();
  }
  return { login: FIRST_USER, password };
}
