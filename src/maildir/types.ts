// The storage interface the protocols use. The IMAP server, SMTP delivery and the CLI reach mail only through
// this; nothing above src/maildir touches a path. Implementations: maildir/ (the real one) and
// test/support/memory-store.ts (for protocol unit tests), both checked by one contract suite.
//
// Folder names here are Unicode with "/" as the hierarchy separator and "INBOX" for the root folder; the IMAP
// layer converts to and from modified UTF-7 on the wire, the Maildir layer to Dovecot's on-disk names.
import type { Readable } from 'node:stream';
import type { MailboxAddress } from '../config/types.js';
import type { MessageSummary } from '../mime/types.js';

export type SystemFlag = '\\Seen' | '\\Answered' | '\\Flagged' | '\\Deleted' | '\\Draft';
/** System flags in IMAP spelling, or keywords (atoms such as `$Forwarded`, `$Junk`, `NonJunk`). */
export type Flag = SystemFlag | (string & {});

export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export interface MessageInfo {
  readonly uid: number;
  /** Flags and keywords, without \Recent (a session attribute). */
  readonly flags: readonly Flag[];
  /** CONDSTORE modification sequence (>= 1). */
  readonly modseq: number;
  /** RFC822.SIZE: size of the canonical CRLF form. */
  readonly size: number;
  /** INTERNALDATE, ms since epoch. */
  readonly internalDate: number;
}

export interface FolderState {
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModSeq: number;
  /** Every message, ascending by UID. Shared and immutable: never mutate, a new array replaces it. */
  readonly messages: readonly MessageInfo[];
}

export type FolderChange =
  | { readonly type: 'added'; readonly messages: readonly MessageInfo[] }
  | { readonly type: 'flags'; readonly messages: readonly MessageInfo[] }
  | { readonly type: 'expunged'; readonly uids: readonly number[] };

export interface FolderInfo {
  readonly name: string;
  readonly specialUse?: SpecialUse | undefined;
  readonly subscribed: boolean;
  /** Has child folders (CHILDREN / LIST-EXTENDED). */
  readonly hasChildren: boolean;
}

export interface FolderStatus {
  readonly messages: number;
  readonly recent: number;
  readonly unseen: number;
  readonly uidNext: number;
  readonly uidValidity: number;
  readonly highestModSeq: number;
  /** STATUS=SIZE: sum of RFC822.SIZE. */
  readonly size: number;
}

export type FlagOperation = 'add' | 'remove' | 'replace';

export interface StoreResult {
  /** Messages whose flags changed, with their new flags and modseq. */
  readonly updated: readonly MessageInfo[];
  /** UIDs skipped by CONDSTORE UNCHANGEDSINCE (RFC 7162 MODIFIED). */
  readonly modified: readonly number[];
}

export interface CopyResult {
  readonly uidValidity: number;
  /** [source UID, destination UID] for every message copied, in source UID order. */
  readonly pairs: ReadonlyArray<readonly [number, number]>;
}

/** A message body to store: a buffer, or a stream (SMTP DATA, IMAP literal) that is written through to tmp/. */
export type MessageSource = Buffer | Readable;

export interface AppendOptions {
  readonly flags?: readonly Flag[] | undefined;
  readonly internalDate?: number | undefined;
}

export interface ByteRange {
  readonly start: number;
  /** Exclusive; undefined = to the end. */
  readonly end?: number | undefined;
}

/** An open folder. One instance per folder per process is shared by every session (ref-counted). */
export interface Folder {
  readonly name: string;
  /** The last synced state. */
  state(): FolderState;
  /** Re-reads the folder if anything changed on disk (cheap when nothing did) and returns the new state. */
  sync(): Promise<FolderState>;
  /**
   * Returns the UIDs of messages that arrived (delivered, appended, copied or moved in) since the last claim:
   * the caller is the session that sees them as \Recent (RFC 3501 §2.3.2). Each UID is returned to exactly
   * one caller across all processes. With `upTo`, only UIDs up to it (those a session has been told of).
   */
  claimRecent(upTo?: number): Promise<readonly number[]>;
  /** What claimRecent would return now, left for the next claimer (read-only sessions; without it they see none). */
  peekRecent?(upTo?: number): Promise<readonly number[]>;
  setFlags(uids: readonly number[], op: FlagOperation, flags: readonly Flag[], unchangedSince?: number): Promise<StoreResult>;
  /** Removes the given messages (all of them, whatever their flags); returns the UIDs actually removed. */
  expunge(uids: readonly number[]): Promise<readonly number[]>;
  copyTo(uids: readonly number[], destination: string): Promise<CopyResult>;
  /** Copy, then expunge here: atomic from the client's point of view (RFC 6851). */
  moveTo(uids: readonly number[], destination: string): Promise<CopyResult>;
  /** The message in canonical CRLF form, or a byte range of it. Streams: never buffers a large message. */
  read(uid: number, range?: ByteRange): Promise<Readable>;
  /** Parsed envelope and structure, cached. */
  summary(uid: number): Promise<MessageSummary>;
  /** Change feed: changes made by anyone (this process or another) within a second. Returns unsubscribe. */
  subscribe(listener: (change: FolderChange) => void): () => void;
  /** Drops this reference; the last one closes watchers. */
  release(): void;
}

/** One user's Maildir++ tree (one address). */
export interface Mailbox {
  readonly address: MailboxAddress;
  listFolders(): Promise<readonly FolderInfo[]>;
  createFolder(name: string, specialUse?: SpecialUse): Promise<void>;
  /** Deletes a folder and its messages; INBOX cannot be deleted. */
  deleteFolder(name: string): Promise<void>;
  /** Renames a folder and its children; renaming INBOX moves its messages to a new folder (RFC 3501 §6.3.5). */
  renameFolder(from: string, to: string): Promise<void>;
  setSubscribed(name: string, subscribed: boolean): Promise<void>;
  status(name: string): Promise<FolderStatus>;
  openFolder(name: string): Promise<Folder>;
  append(folder: string, source: MessageSource, opts?: AppendOptions): Promise<{ uid: number; uidValidity: number }>;
  /** Maildir++ quota: bytes and messages used, limits (0 = none). */
  quota(): Promise<{ usedBytes: number; usedMessages: number; limitBytes: number }>;
  /** Finds a recent message by Message-ID in a folder (Sent de-duplication). */
  findByMessageId(folder: string, messageId: string, withinMs: number): Promise<number | null>;
  /** Folder list changes (create/delete/rename) by anyone. */
  onFoldersChanged(listener: () => void): () => void;
}

/** One copy of a message to deliver: into a folder of a mailbox (created when missing). */
export interface DeliveryTarget {
  readonly mailbox: MailboxAddress;
  readonly folder: string;
  readonly flags?: readonly Flag[] | undefined;
}

export interface MailStore {
  /** Opens (creating on first use, with Sent, Drafts, Trash, Junk, Archive) the Maildir++ of an address. */
  mailbox(address: MailboxAddress, opts?: { create?: boolean; quotaBytes?: number }): Promise<Mailbox>;
  /** Lists existing mailboxes of a domain (or all). */
  listMailboxes(domain?: string): Promise<readonly MailboxAddress[]>;
  /**
   * Durable all-or-nothing delivery: every copy is written and fsynced in tmp/ before any is renamed into
   * new/; returns only when every copy is durable. Throws StoreError and leaves nothing behind on failure.
   */
  deliver(targets: readonly DeliveryTarget[], source: MessageSource): Promise<ReadonlyArray<{ uid: number; uidValidity: number } | null>>;
  close(): Promise<void>;
}
