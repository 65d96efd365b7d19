// The inactivity timeout (RFC 9051 §5.4): a session that sends nothing for the configured time gets
// `* BYE Autologout` and is closed, one in IDLE included; input keeps a session alive.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRealServer } from './real-server.js';

function connect(port: number): Promise<{ socket: net.Socket; text: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, text: () => text, closed }));
    const closed = new Promise<number>((r) => socket.on('close', () => r(performance.now())));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.once('error', reject);
  });
}

describe('inactivity timeout', () => {
  it('says BYE Autologout to a silent session, also in IDLE, and spares one that keeps talking', async () => {
    const { server } = await startRealServer({ limits: { idleTimeoutMs: 400 } });
    // Taken before the first connection: the silent session's clock starts when it connects.
    const t0 = performance.now();
    const silent = await connect(server.port);
    const idler = await connect(server.port);
    const talker = await connect(server.port);
    idler.socket.write('a1 LOGIN alice@example.com secret\r\na2 SELECT INBOX\r\na3 IDLE\r\n');
    const keepTalking = setInterval(() => talker.socket.write('n NOOP\r\n'), 100);
    try {
      const [silentClosed, idlerClosed] = await Promise.all([silent.closed, idler.closed]);
      expect(silent.text()).toContain('* BYE Autologout');
      expect(idler.text()).toContain('+ idling');
      expect(idler.text()).toContain('* BYE Autologout');
      // due at 400 ms, swept at most a tenth later (plus scheduling slack on a busy machine)
      expect(silentClosed - t0).toBeGreaterThanOrEqual(390);
      expect(idlerClosed - t0).toBeLessThan(3000);
      expect(talker.socket.destroyed).toBe(false);
      expect(talker.text()).not.toContain('BYE');
    } finally {
      clearInterval(keepTalking);
      talker.socket.destroy();
    }
  });
});
