// `everlock deliver`: the local delivery agent for Postfix's mailbox_command, fetchmail's mda or procmail.
// One message on stdin goes through rules.toml into the recipient's Maildir (the same path SMTP uses).
// Exit codes follow sysexits(3), which those callers understand: 0 delivered, 65 bad input, 67 unknown
// recipient, 75 temporary failure (the caller keeps the message and retries), 77 refused by a rule.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { UserError } from '../errors.js';

export const EX_DATAERR = 65;
export const EX_NOUSER = 67;
export const EX_TEMPFAIL = 75;
export const EX_NOPERM = 77;

export default class Deliver extends BaseCommand {
  static override description = 'Deliver one message from stdin to a local address, through rules.toml (sysexits codes)';

  static override examples = [
    'cat message.eml | <%= config.bin %> deliver --to alice@example.com',
    '<%= config.bin %> deliver --to alice@example.com --from bob@example.org --folder Lists < message.eml',
  ];

  static override flags = {
    to: Flags.string({ description: 'recipient address (local)', required: true }),
    from: Flags.string({ description: 'envelope sender (Return-Path); empty for bounces; default: the message\'s Return-Path field' }),
    folder: Flags.string({ description: 'store into this folder instead of the one the rules choose' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Deliver);
    const paths = this.paths(flags);
    const [{ loadConfig }, { resolveRecipient }, { dataFiles }, { openMailStore }, { createLogger }, { spoolMessage, SpoolTooBig }, local, { QueueFiles }, srs, { rfc5322Date }, { StoreError, ConfigError }, { stripFields }, { headerValues }] =
      await Promise.all([
        import('../config/load.js'),
        import('../config/directory.js'),
        import('../config/paths.js'),
        import('../maildir/index.js'),
        import('../log.js'),
        import('../server/smtp/spool.js'),
        import('../server/delivery/local.js'),
        import('../server/queue/files.js'),
        import('../server/srs.js'),
        import('../server/smtp/trace.js'),
        import('../errors.js'),
        import('../server/smtp/header-strip.js'),
        import('../server/smtp/headers.js'),
      ]);

    let snap;
    try {
      snap = await loadConfig(paths);
    } catch (err) {
      // A broken config is the admin's to fix; the caller should keep the message meanwhile.
      if (err instanceof ConfigError) throw new UserError(`config: ${err.message.split('\n')[0] ?? 'invalid'}`, EX_TEMPFAIL);
      throw err;
    }
    const to = flags.to.trim();
    const r = resolveRecipient(snap, to);
    if (r.kind !== 'local') throw new UserError(`${to}: no such local recipient`, EX_NOUSER);

    const log = createLogger({ level: 'warn', json: true, write: (l) => process.stderr.write(l + '\n') });
    let spool;
    try {
      spool = await spoolMessage(process.stdin, `${paths.data}/tmp`, snap.server.limits.maxMessageBytes);
    } catch (err) {
      if (err instanceof SpoolTooBig) throw new UserError(`message larger than ${err.limit} bytes`, EX_DATAERR);
      throw new UserError(`cannot read the message: ${err instanceof Error ? err.message : String(err)}`, EX_TEMPFAIL);
    }
    const store = openMailStore({ root: dataFiles.mailRoot(paths), log, watch: false });
    try {
      if (spool.size === 0 || spool.headers.length === 0) throw new UserError('no message on stdin (expected RFC 5322 headers)', EX_DATAERR);
      const deps = {
        store,
        queue: new QueueFiles(dataFiles.queue(paths)),
        srs: new srs.Srs(await srs.loadSrsSecret(snap.server.srsSecret, `${paths.data}/keys/srs.secret`)),
        log,
      };
      const trace = `Received: by ${snap.server.hostname} (everlock deliver)\r\n\tfor <${to}>; ${rfc5322Date(new Date())}\r\n`;
      // As dovecot-lda: without --from the envelope sender is the Return-Path field an MTA put on top (Postfix's
      // pipe flag R, fetchmail). The stored copy has one Return-Path either way: ours, in front.
      const sender = flags.from ?? envelopeFrom(headerValues(spool.headers, 'return-path')[0]);
      const msg = await stripFields(spool, (name) => name.trim().toLowerCase() === 'return-path');
      const outcomes = await local.deliverLocal(deps, snap, { sender, body: msg.body, size: msg.size, headers: msg.headers, trace, folder: flags.folder }, [
        { address: to.toLowerCase(), mailboxes: r.mailboxes, forward: r.forward },
      ]);
      const refused = outcomes.find((o) => o.result === 'rejected');
      if (refused) throw new UserError(`refused by ${refused.ruleId ?? 'rule'}: ${refused.reply?.toString() ?? ''}`, EX_NOPERM);
    } catch (err) {
      if (err instanceof UserError) throw err;
      if (err instanceof StoreError && err.kind === 'invalid-name') throw new UserError(err.message, EX_DATAERR);
      throw new UserError(`temporary failure: ${err instanceof Error ? err.message : String(err)}`, EX_TEMPFAIL);
    } finally {
      await spool.discard();
      await store.close();
    }
  }
}

/** The address in a Return-Path value (`<a@b>`, `<>` or a bare address); '' when there is none. */
function envelopeFrom(value: string | undefined): string {
  if (value === undefined) return '';
  const m = /<([^>]*)>/.exec(value);
  return (m ? m[1]! : value).trim();
}
