// RFC 9051 §6.3.12 APPEND mailbox [SP flag-list] [SP date-time] SP literal   (literal8 with BINARY, RFC 3516;
// `UTF8 (literal8)` once UTF8=ACCEPT is enabled, RFC 6855 §4)
// Answers [APPENDUID uidvalidity uid] (RFC 4315). Sent de-duplication: a message whose Message-ID the
// submission path stored in the \Sent folder in the last ten minutes is not stored twice; the existing
// UID is returned instead, so clients that save their own copy do not produce duplicates.
// A large body arrives as a temp file (session/literal-spool.ts) and is streamed from it into the Maildir;
// the session removes the file once the command is done.
import { createReadStream } from 'node:fs';
import { readFileStart } from '../../delivery/source.js';
import { completionForError, no, ok, type Completion } from '../errors.js';
import { resolveFolder } from '../namespaces.js';
import { AUTH, type CommandSpec } from './types.js';

const SENT_DEDUP_MS = 10 * 60 * 1000;

export const append: CommandSpec = {
  name: 'APPEND',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const name = p.mailbox();
    p.sp();
    let flags: string[] | undefined;
    let internalDate: number | undefined;
    if (p.peek() === 0x28) {
      flags = p.flagList();
      p.sp();
    }
    if (p.peek() === 0x22) {
      internalDate = p.dateTime();
      p.sp();
    }
    let body: ReturnType<typeof p.messageLiteral>;
    if (p.tryKeyword('UTF8')) {
      if (!session.enabled.has('UTF8=ACCEPT')) p.fail('APPEND UTF8 needs ENABLE UTF8=ACCEPT');
      p.sp();
      p.char('(');
      body = p.messageLiteral(true);
      p.char(')');
    } else body = p.messageLiteral(true);
    p.end();
    const size = body.data ? body.data.length : body.file.size;
    if (size > session.opts.limits.maxMessageBytes) return no('Message too large', 'TOOBIG');
    if (size === 0) return no('Empty message', 'CANNOT');
    if (body.file?.failed) return no('The message could not be received, try again', 'UNAVAILABLE');
    let target;
    try {
      target = resolveFolder(session.user(), name);
    } catch (err) {
      return withTryCreate(err);
    }
    if (target.readOnly) return no('Permission denied', 'NOPERM');
    try {
      const folders = await target.mailbox.listFolders();
      const info = folders.find((f) => f.name === target.folder);
      if (!info) return no('Mailbox does not exist', 'TRYCREATE');
      if (info.specialUse === '\\Sent') {
        const messageId = headerMessageId(body.data ?? (await readFileStart(body.file.path, HEAD_BYTES)));
        if (messageId) {
          const existing = await target.mailbox.findByMessageId(target.folder, messageId, SENT_DEDUP_MS);
          if (existing !== null) {
            const status = await target.mailbox.status(target.folder);
            return ok('APPEND completed (already stored)', `APPENDUID ${status.uidValidity} ${existing}`);
          }
        }
      }
      const source = body.data ?? createReadStream(body.file.path, { highWaterMark: 256 * 1024 });
      const r = await target.mailbox.append(target.folder, source, { flags, internalDate });
      if (session.state.kind === 'selected' && target.mailbox === session.user().personal && session.state.view.name === target.folder) {
        await session.state.view.folder.sync();
      }
      return ok('APPEND completed', `APPENDUID ${r.uidValidity} ${r.uid}`);
    } catch (err) {
      return withTryCreate(err);
    }
  },
};

function withTryCreate(err: unknown): Completion {
  const mapped = completionForError(err, { tryCreate: true });
  if (mapped) return mapped;
  throw err;
}

/** Bytes of a spilled message read for headerMessageId. */
const HEAD_BYTES = 64 * 1024;

/** The Message-ID header value of a raw message, angle brackets included, or undefined. */
export function headerMessageId(data: Buffer): string | undefined {
  let end = data.indexOf('\r\n\r\n');
  if (end < 0) end = data.indexOf('\n\n');
  const header = data.toString('latin1', 0, end < 0 ? Math.min(data.length, 64 * 1024) : end);
  const m = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(header);
  if (!m) return undefined;
  const value = m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim();
  return value === '' ? undefined : value;
}
