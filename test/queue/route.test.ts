// Where the queue sends mail, against a real DNS server on loopback reached through the `--dns-server` setting
// (a minimal UDP responder below): MX hosts by preference, the A fallback when a domain has no MX, a null MX and
// an unknown domain as permanent failures, and static routes / mx_override taking precedence over DNS.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, resolveRoute } from '../../src/server/queue/route.js';

type Zone = Record<string, { MX?: Array<[number, string]>; A?: string[] }>;

const ZONE: Zone = {
  'mx.test': { MX: [[20, 'b.mx.test'], [10, 'a.mx.test']] },
  'a.mx.test': { A: ['127.0.0.2'] },
  'b.mx.test': { A: ['127.0.0.3'] },
  'nomx.test': { A: ['127.0.0.4'] },
  'null.test': { MX: [[0, '']] },
};

function encodeName(name: string): Buffer {
  const parts = name ? name.split('.') : [];
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])), Buffer.from([0])]);
}

/** Answers MX and A queries from ZONE; NXDOMAIN for names it does not know, no data for other types. */
function answer(query: Buffer): Buffer {
  let at = 12;
  const labels: string[] = [];
  while (query[at]! !== 0) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString());
    at += query[at]! + 1;
  }
  const qtype = query.readUInt16BE(at + 1);
  const question = query.subarray(12, at + 5);
  const name = labels.join('.').toLowerCase();
  const entry = ZONE[name];
  const records: Buffer[] = [];
  if (entry && qtype === 15) for (const [pref, host] of entry.MX ?? []) records.push(Buffer.concat([Buffer.from([0, pref]), encodeName(host)]));
  if (entry && qtype === 1) for (const ip of entry.A ?? []) records.push(Buffer.from(ip.split('.').map(Number)));
  const rrs = records.map((rdata) => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name of the question
    head.writeUInt16BE(qtype, 2);
    head.writeUInt16BE(1, 4); // IN
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  });
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(entry ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rrs.length, 6);
  return Buffer.concat([header, question, ...rrs]);
}

describe('resolveRoute', () => {
  let dns: Socket;
  let server: string;
  beforeAll(async () => {
    dns = createSocket('udp4');
    dns.on('message', (msg, peer) => dns.send(answer(msg), peer.port, peer.address));
    await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
    server = `127.0.0.1:${dns.address().port}`;
  });
  afterAll(() => new Promise<void>((r) => dns.close(() => r())));

  it('uses the MX hosts by preference, through the configured DNS server', async () => {
    const route = await resolveRoute('mx.test', { resolver: createResolver(server) });
    expect(route).toEqual({
      kind: 'hops',
      hops: [
        { host: '127.0.0.2', port: 25, name: 'a.mx.test' },
        { host: '127.0.0.3', port: 25, name: 'b.mx.test' },
      ],
    });
  });

  it('falls back to the address of a domain without MX', async () => {
    expect(await resolveRoute('nomx.test', { resolver: createResolver(server) })).toEqual({ kind: 'hops', hops: [{ host: '127.0.0.4', port: 25, name: 'nomx.test' }] });
  });

  it('fails permanently for a null MX and for an unknown domain', async () => {
    expect(await resolveRoute('null.test', { resolver: createResolver(server) })).toMatchObject({ kind: 'none', permanent: true });
    expect(await resolveRoute('gone.test', { resolver: createResolver(server) })).toMatchObject({ kind: 'none', permanent: true });
  });

  it('prefers a static route, then a domain mx_override, to DNS', async () => {
    const resolver = createResolver(server);
    const routes = new Map([['mx.test', '127.0.0.9:2525']]);
    expect(await resolveRoute('mx.test', { resolver, routes, override: ['127.0.0.8:2526'] })).toEqual({ kind: 'hops', hops: [{ host: '127.0.0.9', port: 2525, name: '127.0.0.9' }] });
    expect(await resolveRoute('mx.test', { resolver, override: ['127.0.0.8:2526', '[::1]'] })).toEqual({
      kind: 'hops',
      hops: [
        { host: '127.0.0.8', port: 2526, name: '127.0.0.8' },
        { host: '::1', port: 25, name: '::1' },
      ],
    });
  });
});
