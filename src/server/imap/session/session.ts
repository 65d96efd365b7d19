// One IMAP connection: frames input (protocol/tokenizer.ts), runs commands one at a time in the order they
// arrived (RFC 9051 §5.5: pipelined commands are queued, up to a limit, then reading pauses), and writes
// responses through the encoder. Untagged updates for the selected folder come from the store's change feed:
// they are pushed at once during IDLE and otherwise reconciled at command boundaries (see view.ts for the
// sequence-number rules). Every error inside is caught here: a session can fail, the process cannot.
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import type { Duplex, Readable } from 'node:stream';
import type { LogFields, Logger } from '../../../log.js';
import type { Mailbox, MailStore } from '../../../maildir/types.js';
import type { AuthThrottle } from '../../auth-throttle.js';
import type { Authenticator, ImapIdentity } from '../auth.js';
import { capabilities } from '../capabilities.js';
import { COMMANDS } from '../commands/registry.js';
import type { CommandContext, CommandSpec } from '../commands/types.js';
import { bad, completionForError, serverBug, type Completion } from '../errors.js';
import { type Chunk, encodeLine } from '../protocol/encode.js';
import { ParseError, Parser } from '../protocol/parser.js';
import { CommandFramer, type Frame, type FramerLimits, type SpilledAt } from '../protocol/tokenizer.js';
import { appendSpill } from './literal-spool.js';
import { Atom, atom, type Value } from '../protocol/values.js';
import { SequenceError } from './sequence.js';
import type { AuthenticatedUser, SessionState } from './state.js';
import type { MailboxView } from './view.js';
import { feedFor, type FeedSession } from './folder-feed.js';
import { traceLine } from './trace.js';
import { FieldLogger } from './field-logger.js';
import { idleSweeper } from './idle-sweeper.js';
import { CommandPace } from './pace.js';

export interface SessionLimits {
  /** Longest command line (without literals). */
  readonly maxLineBytes: number;
  /** APPENDLIMIT: largest literal after login. */
  readonly maxMessageBytes: number;
  /** Commands read ahead while one runs; beyond this the socket is paused. */
  readonly maxPipelined: number;
  /** Inactivity before `* BYE Autologout`. */
  readonly idleTimeoutMs: number;
  /** Commands per second before the session is slowed down (pace.ts); 0 or absent: no limit. */
  readonly commandsPerSecond?: number | undefined;
}

export interface SessionOptions {
  readonly store: MailStore;
  readonly authenticate: Authenticator;
  readonly throttle: AuthThrottle;
  log: Logger;
  /** Called once when the connection is gone (the listener's bookkeeping; cheaper than closedSignal). */
  readonly onClose?: ((session: Session) => void) | undefined;
  /** Added to every log line of the session; the child logger is only built when something is logged. */
  readonly logFields?: LogFields | undefined;
  readonly limits: SessionLimits;
  /** Connection is TLS already (implicit TLS port, or after STARTTLS). */
  readonly secure: boolean;
  /** Upgrades the transport; absent when STARTTLS is not offered. */
  readonly startTls?: ((socket: Duplex) => Promise<Duplex>) | undefined;
  readonly allowInsecureAuth: boolean;
  readonly remoteAddress: string;
  /** Wire trace at debug level (--imap-io-debug), secrets masked. */
  readonly ioDebug?: boolean | undefined;
  /** Sent in the greeting and ID. */
  readonly hostname?: string | undefined;
  /** Where large APPEND bodies are written while they arrive (literal-spool.ts); default: the system temp dir. */
  readonly spoolDir?: string | undefined;
  /** Told of each completed command (metrics): its name ("UID FETCH"; "unknown" when not one we know). */
  readonly onCommand?: ((command: string, status: Completion['status']) => void) | undefined;
}

type QueueItem = { readonly kind: 'command'; readonly data: Buffer; readonly spilled?: readonly SpilledAt[] | undefined } | { readonly kind: 'reply'; readonly text: string };

/** Removes the temp files of a queued command's spilled literals (done with it, or dropping it). */
function discardSpilled(item: QueueItem): void {
  if (item.kind === 'command' && item.spilled) for (const s of item.spilled) s.literal.discard();
}

/**
 * Completes a suspended command with the client's next line (null: the connection closed). A module-level
 * function rather than a closure keeps a waiting session's footprint small.
 */
export type Resumption = (line: Buffer | null, session: Session) => Completion | Promise<Completion>;

/** A command waiting for the client's next line without holding any call frames (IDLE waiting for DONE). */
interface Suspended {
  readonly tag: string;
  readonly spec: CommandSpec;
  readonly uid: boolean;
  readonly resume: Resumption;
}

/** What a handler returns after session.suspend(): the tagged response comes later, from the resumption. */
type SharedEntry = { readonly mailbox: Mailbox; readonly readOnly: boolean };
/** The shared namespace of a user with no grants: one empty map for all of them. */
const NO_SHARED: ReadonlyMap<string, SharedEntry> = new Map();

const SUSPENDED: Completion = Object.freeze({ status: 'OK', text: 'suspended' });

/** Literal limit before login: enough for any sane LOGIN/AUTHENTICATE, too little to exhaust memory. */
const PRE_AUTH_LITERAL = 8 * 1024;
/** BADs before login that end the connection (Dovecot's imap-login uses the same number). */
const MAX_BAD_BEFORE_LOGIN = 3;
/** Framer limits before and after login, one pair per limits object (not one per session). */
const FRAMER_LIMITS = new WeakMap<SessionLimits, { readonly pre: FramerLimits; readonly authed: FramerLimits }>();
const DONE: Promise<void> = Promise.resolve();
/** Output buffered before it is written out in one go. */
const FLUSH_AT = 64 * 1024;

export class Session implements FeedSession {
  state: SessionState = { kind: 'not-authenticated' };
  /** ENABLEd extensions (RFC 5161): CONDSTORE, QRESYNC, UTF8=ACCEPT, IMAP4rev2. */
  get enabled(): Set<string> {
    return (this.enabledSet ??= new Set());
  }
  private enabledSet: Set<string> | undefined;
  /** CONDSTORE was activated (ENABLE, SELECT (CONDSTORE), or a command using MODSEQ) for this selection. */
  condstoreActive = false;
  secure: boolean;
  /** Runs after the tagged response is written (STARTTLS upgrade, LOGOUT close). */
  afterCompletion: (() => Promise<void> | void) | undefined;
  /** Inside AUTHENTICATE: continuation lines are secrets for the wire trace. */
  maskInput = false;
  /** In IDLE: folder changes are pushed immediately. */
  idling = false;

  private socket: Duplex;
  private readonly framer: CommandFramer;
  /** Framed input in arrival order: commands, and rejections of unframeable input answered in turn. */
  private readonly queue: QueueItem[] = [];
  private waiter: (() => void) | undefined;
  /** Set by suspend(): the command whose tagged response waits for the next line. */
  private suspended: Suspended | undefined;
  private pendingResume: Resumption | undefined;
  private running = false;
  private paused = false;
  private closed = false;
  private out: Chunk[] = [];
  private outBytes = 0;
  /** `out` holds a streamed literal: write it out before buffering more behind it. */
  private outHasStream = false;
  private writing: Promise<void> = DONE;
  /** Flushes queued on `writing` and not finished: while any is, new output must queue behind them. */
  private pendingWrites = 0;
  private logger: Logger | undefined;
  private logUser: string | undefined;
  /** Date.now() of the last input (the inactivity timeout, idle-sweeper.ts). */
  lastActive = Date.now();
  /** BAD answers given before login (see tooManyBad). */
  private badBeforeLogin = 0;
  private pace: CommandPace | undefined;
  /** The session of each transport, so the socket listeners below are three functions for all sessions. */
  private static readonly owners = new WeakMap<Duplex, Session>();

  private static onData(this: Duplex, chunk: Buffer): void {
    Session.owners.get(this)?.receive(chunk);
  }

  private static onEnd(this: Duplex): void {
    Session.owners.get(this)?.close();
  }

  private static onError(this: Duplex, err: Error): void {
    const session = Session.owners.get(this);
    if (!session) return;
    session.log.debug('connection error', { err: err.message });
    session.close();
  }
  /** Created when someone waits for the close (backpressure, server shutdown); most sessions never need it. */
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;

  constructor(
    socket: Duplex,
    readonly opts: SessionOptions,
  ) {
    this.socket = socket;
    this.secure = opts.secure;
    this.framer = new CommandFramer(this.framerLimits(), appendSpill(opts.spoolDir ?? tmpdir()));
    this.attach(socket);
  }

  /** The session's logger (session id, address, user), built on first use. */
  get log(): Logger {
    if (!this.logger) {
      const fields = this.logUser === undefined ? this.opts.logFields : { ...this.opts.logFields, user: this.logUser };
      this.logger = fields === undefined ? this.opts.log : new FieldLogger(this.opts.log, fields);
    }
    return this.logger;
  }

  /** Sends the greeting and starts reading. */
  start(): void {
    this.sendLine(`* OK [CAPABILITY ${this.capabilityList().join(' ')}] ${this.opts.hostname ?? 'everlock'} IMAP ready`);
    void this.flush();
    this.touch();
    idleSweeper(this.opts.limits.idleTimeoutMs).add(this);
  }

  /** Resolves when the connection is gone. */
  get closedSignal(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closedPromise ??= new Promise((r) => (this.resolveClosed = r));
    return this.closedPromise;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- transport ------------------------------------------------------------------------------------------

  private attach(socket: Duplex): void {
    this.socket = socket;
    Session.owners.set(socket, this);
    socket.on('data', Session.onData);
    socket.on('end', Session.onEnd);
    socket.on('close', Session.onEnd);
    socket.on('error', Session.onError);
  }

  private detach(): Duplex {
    this.socket.off('data', Session.onData);
    this.socket.off('end', Session.onEnd);
    this.socket.off('close', Session.onEnd);
    return this.socket;
  }

  /** Upgrades to TLS after `OK Begin TLS`: anything the client sent early is dropped (CVE-2011-0411 class). */
  async upgradeTls(): Promise<void> {
    const start = this.opts.startTls;
    if (!start) return;
    await this.flush();
    const plain = this.detach();
    this.framer.reset();
    this.dropQueue();
    try {
      const tlsSocket = await start(plain);
      this.secure = true;
      this.attach(tlsSocket);
    } catch (err) {
      this.log.debug('TLS handshake failed', { err: err instanceof Error ? err.message : String(err) });
      plain.destroy();
      this.close();
    }
  }

  /** The stream the session reads and writes now (the socket, its TLS layer, or a layer over those). */
  get transport(): Duplex {
    return this.socket;
  }

  /**
   * Puts a layer over the transport once the tagged response is out (COMPRESS). Anything the client sent
   * after the command was sent before it saw the response, which it must not do (RFC 4978 §3): it is
   * dropped, as after STARTTLS, so the new layer starts at a known point.
   */
  async wrapTransport(wrap: (transport: Duplex) => Duplex): Promise<void> {
    await this.flush();
    if (this.closed) return;
    const inner = this.detach();
    if (this.queue.length > 0 || this.framer.buffered > 0) this.log.info('input sent before the transport changed was dropped', { commands: this.queue.length, bytes: this.framer.buffered });
    this.framer.reset();
    this.dropQueue();
    this.paused = false;
    this.attach(wrap(inner));
  }

  private framerLimits(): FramerLimits {
    const authed = this.state.kind === 'authenticated' || this.state.kind === 'selected';
    let pair = FRAMER_LIMITS.get(this.opts.limits);
    if (!pair) {
      const of = (lit: number): FramerLimits => ({ maxLineBytes: this.opts.limits.maxLineBytes, maxLiteralBytes: lit, maxCommandBytes: lit + 1024 * 1024 });
      pair = { pre: of(PRE_AUTH_LITERAL), authed: of(this.opts.limits.maxMessageBytes) };
      FRAMER_LIMITS.set(this.opts.limits, pair);
    }
    return authed ? pair.authed : pair.pre;
  }

  private touch(): void {
    this.lastActive = Date.now();
  }

  /** Called by the idle sweeper when the session was inactive too long. */
  expire(): void {
    this.bye('Autologout; idle for too long');
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.touch();
    this.framer.push(chunk);
    this.pump();
  }

  /** Frames as many commands as the pipelining limit allows. */
  private pump(): void {
    while (!this.closed) {
      if (this.queue.length >= this.opts.limits.maxPipelined) {
        if (!this.paused) {
          this.paused = true;
          this.socket.pause();
        }
        return;
      }
      let frame: Frame | undefined;
      try {
        frame = this.framer.next();
      } catch (err) {
        this.log.error('framing failed', { err });
        this.bye('Internal error');
        return;
      }
      if (!frame) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'continue':
        this.sendLine('+ Ready for literal data');
        void this.flush();
        return;
      case 'command':
        if (this.opts.ioDebug) this.log.debug('C: ' + traceLine(frame.data, this.maskInput));
        this.queue.push({ kind: 'command', data: frame.data, spilled: frame.spilled });
        this.wake();
        return;
      case 'line-too-long':
        this.queue.push({ kind: 'reply', text: `${tagOf(frame.head)} BAD Command line too long` });
        this.wake();
        return;
      case 'literal-too-large':
        if (frame.fatal) {
          this.bye('Literal too large');
          return;
        }
        this.queue.push({ kind: 'reply', text: `${tagOf(frame.head)} NO [TOOBIG] Literal too large (limit ${this.framer.limits.maxLiteralBytes} bytes)` });
        this.wake();
        return;
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w();
    else if (!this.running) void this.runLoop();
  }

  /**
   * Ends the running handler without a tagged response: `resume` gets the client's next line (or null when
   * the connection closes) and returns the completion then. The handler returns what this returns.
   */
  suspend(resume: Resumption): Completion {
    this.pendingResume = resume;
    return SUSPENDED;
  }

  /** The next raw line from the client (AUTHENTICATE continuations); null when closed. */
  async readLine(): Promise<Buffer | null> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.resumeIfPaused();
        // A continuation line: no literal of it is used.
        discardSpilled(next);
        if (next.kind === 'command') return next.data;
        this.sendLine(next.text);
        await this.flush();
        continue;
      }
      if (this.closed) return null;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  private resumeIfPaused(): void {
    if (this.paused && this.queue.length < this.opts.limits.maxPipelined) {
      this.paused = false;
      this.socket.resume();
      this.pump();
    }
  }

  private async runLoop(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed) {
        const item = this.queue.shift();
        if (item === undefined) break;
        this.resumeIfPaused();
        try {
          const waiting = this.suspended;
          if (waiting && item.kind === 'command') {
            this.suspended = undefined;
            await this.finish(waiting.tag, waiting.spec, waiting.uid, await this.resumeWith(waiting, item.data));
          } else if (item.kind === 'command') {
            await this.paced();
            if (this.closed) break;
            await this.execute(item.data, item.spilled);
          }
          else {
            if (/^\S+ BAD /.test(item.text) && this.tooManyBad()) this.bye('Too many invalid commands');
            else {
              this.sendLine(item.text);
              await this.flush();
            }
          }
        } catch (err) {
          // execute() maps every command error itself; reaching here is a bug in the session: end it alone.
          this.log.error('session failed', { err, stack: err instanceof Error ? err.stack : undefined });
          this.bye('Internal error');
        } finally {
          discardSpilled(item);
        }
      }
    } finally {
      this.running = false;
    }
    // A command may have arrived while the loop was finishing.
    if (this.queue.length > 0 && !this.closed) void this.runLoop();
  }

  // ---- output ---------------------------------------------------------------------------------------------

  /** Queues an untagged response `* <values>`. */
  send(values: readonly Value[]): void {
    this.push(encodeLine(this.encodeOptions(), '* ', values));
  }

  /** Queues a line of our own protocol text (no user data). */
  sendLine(text: string): void {
    const b = Buffer.from(text + '\r\n', 'utf8');
    this.out.push(b);
    this.outBytes += b.length;
    if (this.opts.ioDebug) this.log.debug('S: ' + traceLine(b, false));
  }

  /** Queues encoded chunks. */
  push(chunks: Chunk[]): void {
    for (const c of chunks) {
      this.out.push(c);
      if (Buffer.isBuffer(c)) this.outBytes += c.length;
      else this.outHasStream = true;
    }
    if (this.opts.ioDebug) for (const c of chunks) if (Buffer.isBuffer(c)) this.log.debug('S: ' + traceLine(c, false));
  }

  /** Writes out queued output when enough has accumulated (long FETCH loops call this per message). */
  async maybeFlush(): Promise<void> {
    if (this.outBytes >= FLUSH_AT || this.outHasStream) await this.flush();
  }

  flush(): Promise<void> {
    const chunks = this.out;
    this.out = [];
    this.outBytes = 0;
    this.outHasStream = false;
    if (chunks.length === 0) return this.writing;
    this.pendingWrites++;
    this.writing = this.writing
      .then(() => this.writeChunks(chunks))
      .catch((err: unknown) => {
        this.log.debug('write failed', { err: err instanceof Error ? err.message : String(err) });
        this.close();
      })
      .then(() => {
        this.pendingWrites--;
      });
    return this.writing;
  }

  /**
   * Writes lines we produced (an IDLE push) straight to the socket when nothing is queued before them; one
   * synchronous write, no promise, unless the socket asks us to wait for 'drain'.
   */
  writeUntagged(line: Buffer): void {
    if (this.closed) return;
    if (this.opts.ioDebug) this.log.debug('S: ' + traceLine(line, false));
    if (this.out.length > 0 || this.pendingWrites > 0 || this.socket.destroyed) {
      this.out.push(line);
      this.outBytes += line.length;
      void this.flush();
      return;
    }
    if (this.socket.write(line)) return;
    this.pendingWrites++;
    this.writing = this.writing
      .then(() => Promise.race([once(this.socket, 'drain'), this.closedSignal]))
      .catch(() => this.close())
      .then(() => {
        this.pendingWrites--;
      });
  }

  private async writeChunks(chunks: Chunk[]): Promise<void> {
    let buffers: Buffer[] = [];
    const writeBuffers = async (): Promise<void> => {
      if (buffers.length === 0) return;
      const b = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
      buffers = [];
      await this.write(b);
    };
    for (const c of chunks) {
      if (Buffer.isBuffer(c)) buffers.push(c);
      else {
        await writeBuffers();
        await this.stream(c);
      }
    }
    await writeBuffers();
  }

  private async write(b: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    if (!this.socket.write(b)) await Promise.race([once(this.socket, 'drain'), this.closedSignal]);
  }

  private async stream(r: Readable): Promise<void> {
    try {
      for await (const chunk of r) await this.write(chunk as Buffer);
    } finally {
      r.destroy();
    }
  }

  /** ENABLEd, without allocating the set for sessions that enabled nothing. */
  isEnabled(capability: string): boolean {
    return this.enabledSet?.has(capability) ?? false;
  }

  /** Mailbox names are UTF-8 on the wire, not modified UTF-7: after UTF8=ACCEPT or IMAP4rev2 (RFC 9051 §5.1). */
  private utf8Names(): boolean {
    return this.isEnabled('UTF8=ACCEPT') || this.isEnabled('IMAP4rev2');
  }

  encodeOptions(): { utf8: boolean } {
    return { utf8: this.utf8Names() };
  }

  parserOptions(): { utf8: boolean } {
    return { utf8: this.utf8Names() };
  }

  // ---- command execution ----------------------------------------------------------------------------------

  private async execute(data: Buffer, spilled?: readonly SpilledAt[]): Promise<void> {
    if (data.length === 0) return;
    const p = new Parser(data, spilled ? { ...this.parserOptions(), spilled } : this.parserOptions());
    let tag = '*';
    let completion: Completion;
    let spec: CommandSpec | undefined;
    let uid = false;
    try {
      tag = p.tag();
      p.sp();
      let name = p.keyword();
      if (name === 'UID') {
        p.sp();
        name = p.keyword();
        uid = true;
      }
      spec = COMMANDS.get(name);
      if (!spec || (uid && !spec.uid)) completion = bad(`Unknown command ${uid ? 'UID ' : ''}${name}`);
      else if (!spec.states.includes(this.state.kind)) completion = bad(stateMessage(spec.states));
      else completion = await this.runCommand({ tag, name, uid, p, session: this }, spec);
    } catch (err) {
      completion = err instanceof ParseError ? bad(tag === '*' ? 'Invalid tag' : err.message) : bad('Invalid command');
    }
    if (completion === SUSPENDED && spec && this.pendingResume) {
      const waiting = { tag, spec, uid, resume: this.pendingResume };
      this.pendingResume = undefined;
      // Parked: no frame of this call stays alive while the session waits (thousands of sessions sit in IDLE).
      if (this.closed) void this.abandon(waiting);
      else this.suspended = waiting;
      return;
    }
    await this.finish(tag, spec, uid, completion);
  }

  /** A suspended command whose connection closed: it completes with no line, and nothing is written. */
  private async abandon(waiting: Suspended): Promise<void> {
    const completion = await this.resumeWith(waiting, null);
    this.opts.onCommand?.(commandName(waiting.spec, waiting.uid), completion.status);
  }

  /** Runs a suspended command's resumption; its errors are mapped like the handler's own. */
  private async resumeWith(waiting: Suspended, line: Buffer | null): Promise<Completion> {
    try {
      return await waiting.resume(line, this);
    } catch (err) {
      const mapped = completionForError(err);
      if (mapped) return mapped;
      this.log.error('command crashed', { command: waiting.spec.name, err, stack: err instanceof Error ? err.stack : undefined });
      return serverBug();
    }
  }

  /** Pending updates, the tagged response, and whatever must run after it. */
  private async finish(tag: string, spec: CommandSpec | undefined, uid: boolean, completion: Completion): Promise<void> {
    this.opts.onCommand?.(commandName(spec, uid), completion.status);
    if (this.closed) return;
    if (this.state.kind === 'selected') await this.sendUpdates(!(spec?.holdsExpunges && !uid)).catch(() => {});
    if (completion.status === 'BAD' && this.tooManyBad()) {
      this.bye('Too many invalid commands');
      return;
    }
    this.sendLine(`${tag} ${completion.status} ${completion.code ? `[${completion.code}] ` : ''}${completion.text}`);
    await this.flush();
    const after = this.afterCompletion;
    this.afterCompletion = undefined;
    if (after) await after();
  }

  private async runCommand(ctx: CommandContext, spec: CommandSpec): Promise<Completion> {
    try {
      if (spec.syncFirst && this.state.kind === 'selected') {
        await this.state.view.folder.sync();
        await this.sendUpdates(!(spec.holdsExpunges && !ctx.uid));
      }
      return await spec.run(ctx);
    } catch (err) {
      if (err instanceof ParseError) return bad(err.message);
      if (err instanceof SequenceError) return bad(err.message);
      const mapped = completionForError(err);
      if (mapped) {
        this.log.debug('command failed', { command: spec.name, err: err instanceof Error ? err.message : String(err) });
        return mapped;
      }
      this.log.error('command crashed', { command: spec.name, err, stack: err instanceof Error ? err.stack : undefined });
      return serverBug();
    }
  }

  /** Announces changes to the selected folder (EXISTS, RECENT, FETCH, and EXPUNGE/VANISHED when allowed). */
  async sendUpdates(allowExpunge: boolean): Promise<void> {
    if (this.state.kind !== 'selected') return;
    const view = this.state.view;
    const recentBefore = view.recent.size;
    const lines = await view.refresh(view.folder.state(), {
      allowExpunge,
      qresync: this.isEnabled('QRESYNC'),
      condstore: this.condstoreActive,
    });
    let recentSent = false;
    for (const l of lines) {
      this.send(l);
      // RECENT follows every EXISTS (RFC 3501 §7.3.2): new messages are claimed for this session first.
      // IMAP4rev2 has neither (view.noRecent).
      if (l[1] instanceof Atom && l[1].value === 'EXISTS' && !view.noRecent) {
        await view.claimRecent();
        this.send([view.recent.size, atom('RECENT')]);
        recentSent = true;
      }
    }
    // Expunged \Recent messages change the count too: say so, as Dovecot does.
    if (!recentSent && view.recent.size !== recentBefore) this.send([view.recent.size, atom('RECENT')]);
  }

  // ---- state changes --------------------------------------------------------------------------------------

  user(): AuthenticatedUser {
    if (this.state.kind === 'authenticated' || this.state.kind === 'selected') return this.state.user;
    throw new Error('not authenticated');
  }

  selectedView(): MailboxView {
    if (this.state.kind !== 'selected') throw new Error('no mailbox selected');
    return this.state.view;
  }

  capabilityList(): string[] {
    return capabilities({
      authenticated: this.state.kind === 'authenticated' || this.state.kind === 'selected',
      tls: this.secure,
      canStartTls: this.opts.startTls !== undefined,
      allowInsecureAuth: this.opts.allowInsecureAuth,
      appendLimit: this.opts.limits.maxMessageBytes,
    });
  }

  /** Plaintext auth is refused on an unencrypted connection unless explicitly allowed. */
  get authAllowed(): boolean {
    return this.secure || this.opts.allowInsecureAuth;
  }

  /** Opens the user's Maildirs and enters the authenticated state. */
  async login(identity: ImapIdentity): Promise<void> {
    const personal = await this.opts.store.mailbox(identity.personal, { create: true, quotaBytes: identity.quotaBytes });
    let shared: ReadonlyMap<string, SharedEntry> = NO_SHARED;
    if (identity.shared.length > 0) {
      const entries = new Map<string, SharedEntry>();
      for (const s of identity.shared) {
        const key = `${s.address.local}@${s.address.domain}`.toLowerCase();
        if (s.address.local === identity.personal.local && s.address.domain === identity.personal.domain) continue;
        try {
          entries.set(key, { mailbox: await this.opts.store.mailbox(s.address, { create: true }), readOnly: s.role === 'reader' });
        } catch (err) {
          this.log.warn('shared mailbox unavailable', { mailbox: key, err: err instanceof Error ? err.message : String(err) });
        }
      }
      shared = entries;
    }
    this.state = { kind: 'authenticated', user: { identity, personal, shared } };
    this.logUser = identity.login;
    this.logger = undefined;
    this.framer.limits = this.framerLimits();
  }

  /** Leaves the selected state (CLOSE, UNSELECT, SELECT of another folder, LOGOUT). */
  deselect(): void {
    if (this.state.kind !== 'selected') return;
    const view = this.state.view;
    view.unsubscribe();
    view.folder.release();
    this.state = { kind: 'authenticated', user: this.state.user };
    this.condstoreActive = this.isEnabled('CONDSTORE') || this.isEnabled('QRESYNC');
  }

  /** Subscribes a view to its folder's change feed (shared by every session on that folder); returns unsubscribe. */
  watch(view: MailboxView): () => void {
    // The feed outlives this session: its error handler must not keep the session alive.
    const log = this.opts.log;
    return feedFor(view.folder, (err) => log.warn('change feed failed', { err: err instanceof Error ? err.message : String(err) })).add(this, view);
  }

  /** The selected view, or undefined (the change feed asks). */
  feedView(): MailboxView | undefined {
    return this.state.kind === 'selected' ? this.state.view : undefined;
  }

  /** Flag updates carry MODSEQ (as sendUpdates: CONDSTORE active or QRESYNC enabled). */
  wantsModseq(): boolean {
    return this.condstoreActive || this.isEnabled('QRESYNC');
  }

  /** Removals are announced as VANISHED (RFC 7162 §3.2.10). */
  wantsVanished(): boolean {
    return this.isEnabled('QRESYNC');
  }

  /** IDLE push of whatever the selected view has not announced yet. */
  pushUpdates(): void {
    if (!this.idling || this.closed) return;
    this.sendUpdates(true)
      .then(() => this.flush())
      .catch((err: unknown) => this.log.debug('idle push failed', { err: err instanceof Error ? err.message : String(err) }));
  }

  /** Waits while the session is over its command rate. */
  private async paced(): Promise<void> {
    const rate = this.opts.limits.commandsPerSecond;
    if (!rate || rate <= 0) return;
    const wait = (this.pace ??= new CommandPace(rate)).take();
    if (wait === 0) return;
    this.log.debug('command rate exceeded: slowing down', { waitMs: wait, perSecond: rate });
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /**
   * A peer that is not speaking IMAP (an HTTP request sent to the IMAP port by a cross-protocol attack such as
   * ALPACA, a scanner) produces nothing but BADs before login: the third one ends the connection, as Dovecot's
   * login process does (with `* BYE` in place of the third BAD). After login a client's mistakes are
   * answered and the session goes on. Counts one BAD; true when this one ends the connection.
   */
  private tooManyBad(): boolean {
    if (this.state.kind !== 'not-authenticated') return false;
    return ++this.badBeforeLogin >= MAX_BAD_BEFORE_LOGIN;
  }

  // ---- shutdown -------------------------------------------------------------------------------------------

  private dropQueue(): void {
    for (const item of this.queue) discardSpilled(item);
    this.queue.length = 0;
  }

  /** `* BYE` and close (server shutdown, idle timeout, fatal protocol error). */
  bye(text: string): void {
    if (this.closed) return;
    this.sendLine(`* BYE ${text}`);
    void this.flush().then(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // No temp file of a literal being received or of a command never run outlives the connection.
    this.framer.reset();
    this.dropQueue();
    idleSweeper(this.opts.limits.idleTimeoutMs).delete(this);
    try {
      this.deselect();
    } catch (err) {
      this.log.debug('release failed', { err: err instanceof Error ? err.message : String(err) });
    }
    this.state = { kind: 'logout' };
    const waiting = this.suspended;
    this.suspended = undefined;
    if (waiting) void this.abandon(waiting);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w();
    this.resolveClosed?.();
    this.opts.onClose?.(this);
  }
}

/** The command as metrics name it. */
function commandName(spec: CommandSpec | undefined, uid: boolean): string {
  return spec ? (uid ? `UID ${spec.name}` : spec.name) : 'unknown';
}

function stateMessage(allowed: readonly SessionState['kind'][]): string {
  if (allowed.includes('selected') && !allowed.includes('authenticated')) return 'No mailbox selected';
  if (allowed.includes('authenticated')) return 'Not logged in';
  return 'Already logged in';
}

/** The tag at the start of a rejected line, when it looks like one. */
function tagOf(head: Buffer): string {
  const m = /^([\x21-\x7e]+?) /.exec(head.toString('latin1'));
  return m && !/[(){%*"\\+]/.test(m[1]!) ? m[1]! : '*';
}
