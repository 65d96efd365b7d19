// Behaviours smtp-server lacks, added to its connection class in one place:
// - a reply whose text starts with an enhanced status code ("5.7.1 Relaying denied") is sent with that code
//   instead of the library's one-code-per-reply-number guess (which would say 5.1.1 for every 550);
// - a per-server command gate, so "commands per IP per minute" is enforced on every command, not only on the
//   few that have handler hooks;
// - AUTH neither advertised nor accepted before TLS when the peer may not log in in the clear (as Postfix's
//   smtpd_tls_auth_only), instead of advertising it and answering 538;
// - an observer told of each command (metrics), continuation lines (AUTH LOGIN answers) excluded;
// - replies produced in the same turn of the event loop leave in one write (RFC 2920 §3.1 asks for grouped
//   responses): a pipelined MAIL/RCPT/DATA group costs one socket write instead of three. The flush waits for
//   setImmediate: at the next tick the MAIL reply still left on its own, as the rest of the group is answered
//   in a later callback (test/smtp/pipelining.test.ts). A 220 (greeting, STARTTLS) is flushed at once, since
//   a TLS handshake may follow it in the same tick.
// The patch is installed once per process. Reply grouping applies to every smtp-server connection of the
// process; the rest is inert for servers that register nothing.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import type { SmtpReply } from './errors.js';
import type { InsecureAuthPolicy } from '../insecure-auth.js';

export type CommandGate = (session: SMTPServerSession, command: string) => SmtpReply | undefined;

const gates = new WeakMap<object, CommandGate>();
const insecureAuth = new WeakMap<object, InsecureAuthPolicy>();
const observers = new WeakMap<object, (verb: string) => void>();
const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

interface PatchedConnection {
  _server: object;
  _socket: (NodeJS.WritableStream & { cork(): void; uncork(): void; writable: boolean }) | undefined;
  session: SMTPServerSession;
  secure: boolean;
  _nextHandler: unknown;
  _upgrading: unknown;
  _isSupported(command: string): boolean;
  send(code: number, data?: string | string[] | null, context?: string | false): void;
  close(): void;
  _onCommand(command: Buffer | string, callback?: () => void): unknown;
}

let installed = false;

/** Sockets holding replies back until the end of the current turn of the event loop. */
const corked = new WeakSet<object>();

function flush(socket: { uncork(): void }): void {
  if (!corked.delete(socket)) return;
  socket.uncork();
}

function install(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as PatchedConnection;
  const send = proto.send;
  proto.send = function (this: PatchedConnection, code, data, context) {
    const socket = this._socket;
    if (socket && socket.writable && code !== 220 && !corked.has(socket)) {
      socket.cork();
      corked.add(socket);
      setImmediate(flush, socket);
    }
    if (typeof data === 'string' && ENHANCED.test(data) && context === undefined) send.call(this, code, data, false);
    else send.call(this, code, data, context);
    if (code === 220 && socket) flush(socket);
  };
  const isSupported = proto._isSupported;
  proto._isSupported = function (this: PatchedConnection, command) {
    if (!this.secure && String(command).trim().toUpperCase() === 'AUTH') {
      const allowed = insecureAuth.get(this._server);
      if (allowed && !allowed(this.session.remoteAddress)) return false;
    }
    return isSupported.call(this, command);
  };
  const onCommand = proto._onCommand;
  proto._onCommand = function (this: PatchedConnection, command, callback) {
    const observe = observers.get(this._server);
    if (observe && !this._nextHandler && !this._upgrading) observe((command || '').toString().split(' ', 1)[0]!.toUpperCase());
    const gate = gates.get(this._server);
    if (gate) {
      const reply = gate(this.session, (command || '').toString());
      if (reply) {
        this.send(reply.responseCode, reply.message);
        this.close();
        if (callback) callback();
        return undefined;
      }
    }
    return onCommand.call(this, command, callback);
  };
}

/** Registers the command gate of one server and makes sure the hooks are installed. */
export function attachWireHooks(server: SMTPServer, gate?: CommandGate, opts: { insecureAuth?: InsecureAuthPolicy } = {}): void {
  install();
  if (gate) gates.set(server, gate);
  if (opts.insecureAuth) insecureAuth.set(server, opts.insecureAuth);
}

/** Tells `observe` of each command verb a server's clients send (metrics). */
export function observeCommands(server: SMTPServer, observe: (verb: string) => void): void {
  install();
  observers.set(server, observe);
}
