// --imap-io-debug: the wire trace shows the conversation but never a password or SASL payload.
import { duplexPair } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { AuthThrottle } from '../../src/server/auth-throttle.js';
import { DEFAULT_LIMITS } from '../../src/server/imap/listener.js';
import { Session } from '../../src/server/imap/session/session.js';
import { traceLine } from '../../src/server/imap/session/trace.js';
import { MemoryStore } from '../support/memory-store.js';
import { testAuthenticator, WireClient } from './harness.js';

describe('wire trace', () => {
  it('masks LOGIN passwords and AUTHENTICATE data', () => {
    expect(traceLine(Buffer.from('a1 LOGIN alice@example.com secret\r\n'), false)).toBe('a1 LOGIN alice@example.com <masked>');
    expect(traceLine(Buffer.from('a1 login "alice" "se cret"'), false)).toBe('a1 login "alice" <masked>');
    expect(traceLine(Buffer.from('a1 LOGIN {5}\r\nalice {6}\r\nsecret'), false)).not.toContain('secret');
    expect(traceLine(Buffer.from('a2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=='), false)).toBe('a2 AUTHENTICATE PLAIN <masked>');
    expect(traceLine(Buffer.from('AGFsaWNlAHNlY3JldA=='), true)).toBe('<masked>');
    expect(traceLine(Buffer.from('a3 SELECT INBOX'), false)).toBe('a3 SELECT INBOX');
  });

  it('logs both directions of a session without secrets', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', json: false, write: (l) => lines.push(l) });
    const [server, clientSide] = duplexPair();
    const session = new Session(server, {
      store: new MemoryStore(),
      authenticate: testAuthenticator,
      throttle: new AuthThrottle({ maxFailures: 100, lockoutSeconds: 1 }),
      log,
      limits: DEFAULT_LIMITS,
      secure: true,
      allowInsecureAuth: false,
      remoteAddress: '127.0.0.1',
      ioDebug: true,
    });
    const client = new WireClient(clientSide);
    session.start();
    await client.response();
    await client.command('LOGIN alice@example.com secret');
    await client.command('LOGOUT');
    const t = new WireClient((() => { const [s, c] = duplexPair(); new Session(s, { ...session.opts, log }).start(); return c; })());
    await t.response();
    t.write('b1 AUTHENTICATE PLAIN\r\n');
    await t.response();
    t.write(Buffer.from('\0alice@example.com\0secret').toString('base64') + '\r\n');
    await t.until('b1');
    const all = lines.join('\n');
    expect(all).toContain('C: t1 LOGIN alice@example.com <masked>');
    expect(all).toMatch(/S: t1 OK/);
    expect(all).toContain('C: <masked>');
    expect(all).not.toContain('secret');
    expect(all).not.toContain(Buffer.from('\0alice@example.com\0secret').toString('base64'));
  });
});
