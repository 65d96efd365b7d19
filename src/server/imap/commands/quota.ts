// RFC 9208 QUOTA: GETQUOTAROOT mailbox, GETQUOTA root, SETQUOTA (refused: quotas come from the config).
// One root per Maildir: "" for the personal one, `Shared/<address>` for the others. Storage in KiB.
import { no, ok } from '../errors.js';
import { resolveFolder, SHARED_ROOT } from '../namespaces.js';
import { atom, MailboxName, str, type Value } from '../protocol/values.js';
import type { Session } from '../session/session.js';
import type { Mailbox } from '../../../maildir/types.js';
import { AUTH, type CommandSpec } from './types.js';

function rootName(session: Session, mailbox: Mailbox): string {
  if (mailbox === session.user().personal) return '';
  return `${SHARED_ROOT}/${mailbox.address.local}@${mailbox.address.domain}`;
}

async function quotaLine(root: string, mailbox: Mailbox): Promise<Value[] | undefined> {
  const q = await mailbox.quota();
  if (q.limitBytes <= 0) return undefined;
  return [atom('QUOTA'), str(root), [atom('STORAGE'), Math.ceil(q.usedBytes / 1024), Math.floor(q.limitBytes / 1024)]];
}

export const getquotaroot: CommandSpec = {
  name: 'GETQUOTAROOT',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const name = p.mailbox();
    p.end();
    const target = resolveFolder(session.user(), name);
    const root = rootName(session, target.mailbox);
    const line = await quotaLine(root, target.mailbox);
    session.send(line ? [atom('QUOTAROOT'), new MailboxName(name), str(root)] : [atom('QUOTAROOT'), new MailboxName(name)]);
    if (line) session.send(line);
    return ok('GETQUOTAROOT completed');
  },
};

export const getquota: CommandSpec = {
  name: 'GETQUOTA',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const root = p.astring();
    p.end();
    const user = session.user();
    const mailbox = root === '' ? user.personal : user.shared.get(root.slice(SHARED_ROOT.length + 1).toLowerCase())?.mailbox;
    const line = mailbox ? await quotaLine(root, mailbox) : undefined;
    if (!line) return no('No such quota root', 'NONEXISTENT');
    session.send(line);
    return ok('GETQUOTA completed');
  },
};

export const setquota: CommandSpec = {
  name: 'SETQUOTA',
  states: AUTH,
  async run({ p }) {
    p.rest();
    return no('Quotas are set in the configuration', 'NOPERM');
  },
};
