// A tiny in-memory Folder for driving fetch/ and search/ directly: messages held as CRLF buffers, summaries
// from summarizeMessage, counters to check which keys read what. Mutating operations are not needed here.
import { Readable } from 'node:stream';
import { StoreError } from '../../src/errors.js';
import type { ByteRange, CopyResult, Flag, Folder, FolderState, MessageInfo, StoreResult } from '../../src/maildir/types.js';
import type { MessageSummary } from '../../src/mime/types.js';
import { summarizeBuffer } from '../../src/mime/summarize.js';
import { toCrlf } from '../../src/mime/canonical.js';

export interface AddOptions {
  flags?: Flag[];
  internalDate?: number;
  modseq?: number;
}

export class MemoryFolder implements Folder {
  readonly name = 'INBOX';
  private readonly bodies = new Map<number, Buffer>();
  private readonly cache = new Map<number, MessageSummary>();
  private readonly messages: MessageInfo[] = [];
  private nextUid = 1;
  /** How often bodies were read and summaries asked for (cost checks). */
  reads = 0;
  summaries = 0;
  uidValidity = 1;

  add(source: Buffer | string, opts: AddOptions = {}): MessageInfo {
    const buf = toCrlf(Buffer.isBuffer(source) ? source : Buffer.from(source, 'utf8'));
    const info: MessageInfo = {
      uid: this.nextUid++,
      flags: opts.flags ?? [],
      modseq: opts.modseq ?? 1,
      size: buf.length,
      internalDate: opts.internalDate ?? Date.UTC(2026, 10, 23, 12, 0, 0),
    };
    this.bodies.set(info.uid, buf);
    this.messages.push(info);
    return info;
  }

  /** Adds with a precomputed summary shared by all copies (for large benchmarks-style loads in tests). */
  addWithSummary(buf: Buffer, summary: MessageSummary, opts: AddOptions = {}): MessageInfo {
    const info = this.add(buf, opts);
    this.cache.set(info.uid, summary);
    return info;
  }

  /** Removes the file but not the state entry: what a session sees when another process expunged it. */
  vanish(uid: number): void {
    this.bodies.delete(uid);
    this.cache.delete(uid);
  }

  bytes(uid: number): Buffer {
    const b = this.bodies.get(uid);
    if (!b) throw new StoreError('expunged', 'message expunged');
    return b;
  }

  state(): FolderState {
    return { uidValidity: this.uidValidity, uidNext: this.nextUid, highestModSeq: 1, messages: this.messages };
  }
  async sync(): Promise<FolderState> {
    return this.state();
  }
  async claimRecent(): Promise<readonly number[]> {
    return [];
  }
  async setFlags(): Promise<StoreResult> {
    throw new StoreError('no-permission', 'read-only test folder');
  }
  async expunge(): Promise<readonly number[]> {
    throw new StoreError('no-permission', 'read-only test folder');
  }
  async copyTo(): Promise<CopyResult> {
    throw new StoreError('no-permission', 'read-only test folder');
  }
  async moveTo(): Promise<CopyResult> {
    throw new StoreError('no-permission', 'read-only test folder');
  }
  async read(uid: number, range?: ByteRange): Promise<Readable> {
    this.reads++;
    const b = this.bytes(uid);
    const slice = range ? b.subarray(range.start, range.end ?? b.length) : b;
    return Readable.from([slice.subarray(0, Math.ceil(slice.length / 2)), slice.subarray(Math.ceil(slice.length / 2))]);
  }
  async summary(uid: number): Promise<MessageSummary> {
    this.summaries++;
    let s = this.cache.get(uid);
    if (!s) {
      s = summarizeBuffer(this.bytes(uid));
      this.cache.set(uid, s);
    }
    return s;
  }
  subscribe(): () => void {
    return () => undefined;
  }
  release(): void {}
}
