// The storage entry point: `openMailStore({ root })` returns the Maildir++ MailStore (SPEC §6).
// `root` is `<data>/mail`; a mailbox lives in `<root>/<domain>/<local>/`.
import type { Readable } from 'node:stream';
import { silentLogger, type Logger } from '../log.js';
import type { MessageSummary } from '../mime/types.js';
import type { MailStore } from './types.js';
import { MaildirStore } from './store.js';

export interface OpenMailStoreOptions {
  root: string;
  log?: Logger;
  /** fsync files and directories before reporting success (default true; tests may turn it off). */
  fsync?: boolean;
  /**
   * Watch folders with subscribers for changes by other processes (default true): file notifications plus
   * a poll every `pollMs`. 'poll' polls only, as on file systems without notifications (NFS).
   */
  watch?: boolean | 'poll';
  /** Poll interval of the change feed's fallback, ms (default 500). */
  pollMs?: number;
  /** Parses a message's CRLF form; defaults to mime/summarize.ts. */
  summarize?: (s: Readable) => Promise<MessageSummary>;
}

/** Loaded on first use (the CLI need not load the MIME code), then kept: a dynamic import per message is costly. */
let summarizer: Promise<typeof import('../mime/summarize.js')> | undefined;

async function defaultSummarize(s: Readable): Promise<MessageSummary> {
  summarizer ??= import('../mime/summarize.js');
  return (await summarizer).summarizeMessage(s);
}

export function openMailStore(opts: OpenMailStoreOptions): MailStore {
  return new MaildirStore({
    root: opts.root,
    log: opts.log ?? silentLogger,
    fsync: opts.fsync ?? true,
    watch: opts.watch ?? true,
    pollMs: opts.pollMs ?? 500,
    summarize: opts.summarize ?? defaultSummarize,
  });
}

export type { MailStore, Mailbox, Folder } from './types.js';
