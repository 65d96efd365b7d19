// DMARC enforcement: a domain with `reject_dmarc_failures` refuses mail whose author domain publishes p=reject
// and fails (here: SPF -all from our loopback address, no DKIM); a domain without it accepts and records the
// failure in Authentication-Results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { WireClient } from './wire.js';

describe('DMARC p=reject', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'strict.test': 'enabled = true\n[inbound]\nreject_dmarc_failures = true\n', 'lenient.test': 'enabled = true\n' },
      users: {
        s: { password: 'pw', toml: 'addresses = ["s@strict.test"]\n' },
        l: { password: 'pw', toml: 'addresses = ["l@lenient.test"]\n' },
      },
      only: ['smtp'],
      txt: { 'forger.test': 'v=spf1 -all', '_dmarc.forger.test': 'v=DMARC1; p=reject' },
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  const send = async (to: string): Promise<string> => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    await c.cmd('MAIL FROM:<ceo@forger.test>');
    await c.cmd(`RCPT TO:<${to}>`);
    await c.cmd('DATA');
    c.write('From: CEO <ceo@forger.test>\r\nSubject: wire money\r\n\r\nplease\r\n.\r\n');
    const r = (await c.reply()).text;
    c.close();
    return r;
  };

  it('refuses for a domain that enforces it and records the failure elsewhere', async () => {
    expect(await send('s@strict.test')).toMatch(/^550 5\.7\.1 /);
    expect(await h.messages('s@strict.test')).toHaveLength(0);
    expect(await send('l@lenient.test')).toMatch(/^250 /);
    const [m] = await h.messages('l@lenient.test');
    expect(m).toMatch(/spf=fail/);
    expect(m).toMatch(/dmarc=fail/);
  });
});
