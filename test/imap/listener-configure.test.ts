// ImapServer.configure (a config reload): new limits and insecure-auth policy reach sessions opened afterwards,
// sessions already open keep what they started with.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRealServer } from './real-server.js';

async function greetingAndCapability(port: number): Promise<{ capability: string; close: () => void }> {
  const socket = connect(port, '127.0.0.1');
  let wire = '';
  socket.on('data', (d: Buffer) => (wire += d.toString('latin1')));
  const until = async (re: RegExp): Promise<void> => {
    const end = Date.now() + 5000;
    while (!re.test(wire)) {
      if (Date.now() > end) throw new Error(`timeout; got ${wire}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await until(/^\* OK/);
  socket.write('c CAPABILITY\r\n');
  await until(/\r\nc OK/);
  const capability = /\* CAPABILITY ([^\r]*)/.exec(wire)?.[1] ?? '';
  return { capability, close: () => socket.destroy() };
}

describe('ImapServer.configure', () => {
  it('allowing plaintext login takes effect for the next connection', async () => {
    const { server } = await startRealServer({ allowInsecureAuth: false });
    const before = await greetingAndCapability(server.port);
    expect(before.capability).toContain('LOGINDISABLED');
    server.configure({ allowInsecureAuth: true });
    const after = await greetingAndCapability(server.port);
    expect(after.capability).not.toContain('LOGINDISABLED');
    expect(after.capability).toContain('AUTH=PLAIN');
    before.close();
    after.close();
  });
});
