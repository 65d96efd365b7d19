// A stand-in for a remote MX on loopback: an smtp-server that records what it accepted, and answers with
// scripted replies (e.g. 451 twice, then 250) so the queue's retry and bounce paths can be driven.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly data: Buffer;
  readonly secure: boolean;
}

export interface RemoteMx {
  readonly port: number;
  readonly received: Received[];
  /** Replies for the next DATA commands, in order: a number is the SMTP code to answer (250 = accept). */
  script: number[];
  /** Replies for RCPT by address. */
  rcptReplies: Map<string, number>;
  /** Delay before answering DATA; while waiting the message is not yet recorded. */
  dataDelayMs: number;
  dataAttempts: number;
  /** Answer at most this many DATA commands with 250; later ones are held unanswered until the client goes away. */
  acceptLimit: number;
  close(): Promise<void>;
}

export async function startRemoteMx(): Promise<RemoteMx> {
  const mx: RemoteMx = {
    port: 0,
    received: [],
    script: [],
    rcptReplies: new Map(),
    dataDelayMs: 0,
    dataAttempts: 0,
    acceptLimit: Infinity,
    close: async () => {},
  };
  const closed = new Set<string>();
  // 250s decided but not yet sent (dataDelayMs): counted against acceptLimit so concurrent DATAs cannot overshoot it.
  let pending = 0;
  const server = new SMTPServer({
    onClose(session) {
      closed.add(session.id);
    },
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    hideENHANCEDSTATUSCODES: false,
    onRcptTo(address, _session, cb) {
      const code = mx.rcptReplies.get(address.address.toLowerCase());
      if (code && code !== 250) return cb(Object.assign(new Error(`${code >= 500 ? '5.1.1 no such user' : '4.2.1 try later'}`), { responseCode: code }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mx.dataAttempts++;
        if (mx.received.length + pending >= mx.acceptLimit) return; // held: no answer, nothing recorded
        const code = mx.script.shift() ?? 250;
        if (code === 250) pending++;
        setTimeout(() => {
          if (code === 250) pending--;
          // The client went away before our answer: like a server that commits only when it replies, keep nothing.
          if (closed.has(session.id)) return cb(new Error('client gone'));
          if (code !== 250) return cb(Object.assign(new Error(code >= 500 ? '5.7.1 refused by policy' : '4.3.0 try again later'), { responseCode: code }));
          mx.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks),
            secure: session.secure,
          });
          cb();
        }, mx.dataDelayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(mx, {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
