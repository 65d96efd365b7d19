// The HTTP listener: /healthz per module, /metrics in Prometheus text, and the client autoconfiguration
// documents parsed the way clients parse them (Thunderbird's clientConfig, Outlook's POX, Apple's plist).
import { execa } from 'execa';
import { request } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ListenerSettings } from '../../src/config/types.js';
import { renderAutoconfig } from '../../src/server/http/autoconfig.js';
import { renderAutodiscover } from '../../src/server/http/autodiscover.js';
import { clientSettings } from '../../src/server/http/client-settings.js';
import { runServer } from '../../src/server/serve.js';
import { configHome, memoryLogger, recordingModule, unusedStore } from './fixtures.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

interface ServerXml {
  '@type': string;
  hostname: string;
  port: number;
  socketType: string;
  authentication: string;
  username: string;
}

function thunderbirdView(text: string): { domain: string; incoming: ServerXml; outgoing: ServerXml } {
  const doc = xml.parse(text) as { clientConfig: { '@version': string; emailProvider: { '@id': string; domain: string; incomingServer: ServerXml; outgoingServer: ServerXml } } };
  expect(doc.clientConfig['@version']).toBe('1.1');
  const p = doc.clientConfig.emailProvider;
  expect(p['@id']).toBe(p.domain);
  return { domain: p.domain, incoming: p.incomingServer, outgoing: p.outgoingServer };
}

describe('HTTP listener', () => {
  it('autoconfig for standard ports: IMAP 993 SSL, SMTP 587 STARTTLS, full address as user name', () => {
    const view = thunderbirdView(renderAutoconfig({ domain: 'example.com', imap: { host: 'mail.example.com', port: 993, tls: 'implicit' }, submission: { host: 'mail.example.com', port: 587, tls: 'starttls' } }));
    expect(view.domain).toBe('example.com');
    expect(view.incoming).toEqual({ '@type': 'imap', hostname: 'mail.example.com', port: 993, socketType: 'SSL', authentication: 'password-cleartext', username: '%EMAILADDRESS%' });
    expect(view.outgoing).toEqual({ '@type': 'smtp', hostname: 'mail.example.com', port: 587, socketType: 'STARTTLS', authentication: 'password-cleartext', username: '%EMAILADDRESS%' });
  });

  it('a listener that is off is not advertised: 143 STARTTLS without 993, 465 SSL without 587, nothing without IMAP', async () => {
    const paths = await configHome();
    const settings = async (listen: Partial<ListenerSettings>) => clientSettings(await loadConfig(paths, { server: { listen } }), [], 'alice@example.com');
    const fallback = await settings({ imapTls: undefined, submission: undefined });
    expect(fallback).toMatchObject({ imap: { port: 143, tls: 'starttls' }, submission: { port: 465, tls: 'implicit' } });
    if (!fallback) throw new Error('no client settings with 143 and 465 on');
    const view = thunderbirdView(renderAutoconfig(fallback));
    expect([view.incoming.port, view.incoming.socketType, view.outgoing.port, view.outgoing.socketType]).toEqual([143, 'STARTTLS', 465, 'SSL']);
    const pox = xml.parse(renderAutodiscover({ ...fallback, email: 'alice@example.com' })) as {
      Autodiscover: { Response: { Account: { Protocol: Array<Record<string, string | number>> } } };
    };
    const [imap, smtp] = pox.Autodiscover.Response.Account.Protocol;
    expect([imap?.Port, imap?.Encryption, imap?.SSL, smtp?.Port, smtp?.SSL, smtp?.Encryption]).toEqual([143, 'TLS', undefined, 465, 'on', undefined]);
    expect(await settings({ imapStarttls: undefined, submissions: undefined })).toMatchObject({ imap: { port: 993, tls: 'implicit' }, submission: { port: 587, tls: 'starttls' } });
    expect(await settings({ imapTls: undefined, imapStarttls: undefined })).toBeUndefined();
    expect(await settings({ submission: undefined, submissions: undefined })).toBeUndefined();
  });

  it('serves health, metrics and every autoconfig format for local domains only', async () => {
    const paths = await configHome();
    const { log } = memoryLogger();
    const imap = recordingModule('imap', [
      { label: 'IMAP TLS', host: '127.0.0.1', port: 41993 },
      { label: 'IMAP STARTTLS', host: '127.0.0.1', port: 41143 },
    ]);
    const smtp = recordingModule('submission', [
      { label: 'SMTP submission', host: '127.0.0.1', port: 42587 },
      { label: 'SMTP submissions', host: '127.0.0.1', port: 42465 },
    ]);
    const announced: { label: string; port: number }[] = [];
    const server = await runServer({
      paths,
      log,
      modules: [imap, smtp],
      overrides: {
        listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0', http: '127.0.0.1:0' },
      },
      loadConfig,
      openStore: () => unusedStore,
      dev: false,
      watchConfig: false,
      announce: (_line, l) => announced.push(l),
    });
    try {
      const http = announced.find((l) => l.label === 'HTTP');
      expect(http).toBeDefined();
      const base = `http://127.0.0.1:${http?.port}`;

      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', modules: { imap: 'ok', submission: 'ok', http: 'ok' }, config: { generation: 1, commit: null } });

      server.ctx.metrics.describe('everlock_smtp_connections_total', 'counter', 'SMTP connections accepted.');
      server.ctx.metrics.inc('everlock_smtp_connections_total', { listener: 'submission' }, 3);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toContain('# TYPE everlock_smtp_connections_total counter');
      expect(text).toMatch(/^everlock_smtp_connections_total\{listener="submission"\} 3$/m);
      expect(text).toMatch(/^everlock_config_generation 1$/m);
      expect(text).toMatch(/^everlock_module_up\{module="imap"\} 1$/m);

      // Thunderbird, both locations; ports configured as 0 advertise the bound ones.
      for (const url of [`${base}/mail/config-v1.1.xml?emailaddress=alice%40example.com`, `${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice@Example.com`]) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/xml/);
        const view = thunderbirdView(await res.text());
        expect(view.domain).toBe('example.com');
        expect(view.incoming).toMatchObject({ '@type': 'imap', hostname: 'mail.example.com', port: 41993, socketType: 'SSL', username: '%EMAILADDRESS%' });
        expect(view.outgoing).toMatchObject({ '@type': 'smtp', hostname: 'mail.example.com', port: 42587, socketType: 'STARTTLS', username: '%EMAILADDRESS%' });
      }
      // Host header autoconfig.<domain>, no query.
      const byHost = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: http?.port, path: '/mail/config-v1.1.xml', headers: { host: 'autoconfig.example.com' } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(byHost.status).toBe(200);
      expect(thunderbirdView(byHost.body).domain).toBe('example.com');
      expect((await fetch(`${base}/mail/config-v1.1.xml?emailaddress=bob@elsewhere.test`)).status).toBe(404);

      // Outlook POX autodiscover (POST, as Outlook sends it).
      const pox = await fetch(`${base}/autodiscover/autodiscover.xml`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`,
      });
      expect(pox.status).toBe(200);
      const ad = xml.parse(await pox.text()) as {
        Autodiscover: { Response: { Account: { AccountType: string; Action: string; Protocol: Array<Record<string, string | number>> } } };
      };
      const account = ad.Autodiscover.Response.Account;
      expect(account).toMatchObject({ AccountType: 'email', Action: 'settings' });
      expect(account.Protocol).toEqual([
        expect.objectContaining({ Type: 'IMAP', Server: 'mail.example.com', Port: 41993, SSL: 'on', LoginName: 'alice@example.com' }),
        expect.objectContaining({ Type: 'SMTP', Server: 'mail.example.com', Port: 42587, Encryption: 'TLS', LoginName: 'alice@example.com', AuthRequired: 'on' }),
      ]);
      const get = await fetch(`${base}/autodiscover/autodiscover.xml?email=alice@example.com`);
      expect(get.status).toBe(200);
      expect((await fetch(`${base}/autodiscover/autodiscover.xml`, { method: 'POST', body: '<EMailAddress>x@other.test</EMailAddress>' })).status).toBe(404);

      // Apple profile, read with Python's plistlib (the format's reference reader).
      const profile = await fetch(`${base}/apple/mobileconfig?email=alice@example.com`);
      expect(profile.status).toBe(200);
      expect(profile.headers.get('content-type')).toBe('application/x-apple-aspen-config');
      const py = await execa('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], { input: await profile.text() });
      const plist = JSON.parse(py.stdout) as { PayloadType: string; PayloadContent: Array<Record<string, unknown>> };
      expect(plist.PayloadType).toBe('Configuration');
      expect(plist.PayloadContent[0]).toMatchObject({
        PayloadType: 'com.apple.mail.managed',
        EmailAccountType: 'EmailTypeIMAP',
        EmailAddress: 'alice@example.com',
        IncomingMailServerHostName: 'mail.example.com',
        IncomingMailServerPortNumber: 41993,
        IncomingMailServerUseSSL: true,
        IncomingMailServerUsername: 'alice@example.com',
        OutgoingMailServerPortNumber: 42587,
        OutgoingMailServerUseSSL: true,
      });
      expect((await fetch(`${base}/apple/mobileconfig?email=<script>`)).status).toBe(404);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'DELETE' })).status).toBe(405);

      // A module that degrades turns health red.
      await imap.stop(Date.now());
      const down = await fetch(`${base}/healthz`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as { modules: Record<string, string> }).modules.imap).toBe('stopped');
    } finally {
      await server.stop(Date.now() + 1000);
    }
  });
});
