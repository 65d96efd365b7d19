// Every IMAP command this server knows, by name. The dispatcher (session/session.ts) looks commands up here
// and enforces each one's states and flags; a command exists exactly when it is listed.
import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { check } from './check.js';
import { close } from './close.js';
import { compress } from './compress.js';
import { copy } from './copy.js';
import { create } from './create.js';
import { del } from './delete.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { lsub } from './lsub.js';
import { move } from './move.js';
import { namespace } from './namespace.js';
import { noop } from './noop.js';
import { getquota, getquotaroot, setquota } from './quota.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { examine, select } from './select.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe } from './subscribe.js';
import { thread } from './thread.js';
import type { CommandSpec } from './types.js';
import { unselect } from './unselect.js';
import { unsubscribe } from './unsubscribe.js';

const ALL: readonly CommandSpec[] = [
  capability, noop, logout, starttls, authenticate, login, id, enable,
  select, examine, create, del, rename, subscribe, unsubscribe, list, lsub, namespace, status, append,
  getquota, getquotaroot, setquota, idle, compress,
  check, close, unselect, expunge, search, sort, thread, fetch, store, copy, move,
];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(ALL.map((c) => [c.name, c]));
