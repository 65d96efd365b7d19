// Connections per IP, shared by the MX and submission listeners: a connection refused at the limit was never
// counted, so only the ones that were are given back when they close.
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { replies } from './errors.js';
import type { SmtpRuntime } from './runtime.js';

export function connectionLimitHooks(rt: SmtpRuntime): Required<Pick<SMTPServerOptions, 'onConnect' | 'onClose'>> {
  const counted = new WeakSet<SMTPServerSession>();
  return {
    onConnect(session, cb) {
      if (!rt.limiter.openConnection(session.remoteAddress)) return cb(replies.tooManyConnections());
      counted.add(session);
      cb();
    },
    onClose(session) {
      if (counted.has(session)) rt.limiter.closeConnection(session.remoteAddress);
    },
  };
}
