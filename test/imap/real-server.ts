// A real IMAP listener on loopback over the Maildir store in a temp dir, for tests with real clients.
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openMailStore } from '../../src/maildir/index.js';
import type { MailStore } from '../../src/maildir/types.js';
import { startImapServer, type ImapServer, type ImapServerOptions } from '../../src/server/imap/listener.js';
import { tempDir } from '../support/tmp.js';
import { testAuthenticator } from './harness.js';

export interface RealServer {
  readonly server: ImapServer;
  readonly store: MailStore;
  readonly root: string;
}

const running: RealServer[] = [];
afterAll(async () => {
  for (const r of running.splice(0)) {
    await r.server.stop(Date.now() + 1000);
    await r.store.close();
  }
});

export async function startRealServer(opts: Partial<ImapServerOptions> = {}): Promise<RealServer> {
  const root = join(await tempDir('everlock-imap-'), 'mail');
  const store = opts.store ?? openMailStore({ root, fsync: false, pollMs: 100 });
  const server = await startImapServer({
    store,
    authenticate: testAuthenticator,
    implicitTls: false,
    allowInsecureAuth: true,
    host: '127.0.0.1',
    port: 0,
    ...opts,
  });
  const r = { server, store, root };
  running.push(r);
  return r;
}
