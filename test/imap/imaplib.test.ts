// Python imaplib (an independent client, through execa) driving every command and extension the server
// advertises, against the real listener over the Maildir store. The script prints one JSON object; the
// assertions below check what each command answered.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { startRealServer } from './real-server.js';

const PY = String.raw`
import imaplib, json, sys, base64, socket
port = int(sys.argv[1])
out = {}
def dec(x):
    if isinstance(x, tuple): return [dec(y) for y in x]
    if isinstance(x, list): return [dec(y) for y in x]
    return x.decode('utf-8', 'replace') if isinstance(x, bytes) else x
def cmd(name, *args):
    typ, data = m._simple_command(name, *args)
    return [typ, dec(m.untagged_responses.pop(name, [])), dec(data)]

# Commands imaplib does not know yet, with the states it may send them in.
imaplib.Commands.update({'ID': ('NONAUTH', 'AUTH', 'SELECTED'), 'ENABLE': ('AUTH',), 'MOVE': ('SELECTED',)})
m = imaplib.IMAP4('127.0.0.1', port)
out['greeting_caps'] = sorted(m.capabilities)
# AUTHENTICATE PLAIN (SASL-IR is used by imaplib when the server advertises it? no: it sends a continuation)
out['auth'] = m.authenticate('PLAIN', lambda _: b'\0alice@example.com\0secret')[0]
out['caps'] = sorted(dec(m.capability()[1][0]).split())
out['id'] = cmd('ID', '("name" "imaplib")')
m.untagged_responses.pop('ENABLED', None)
typ, data = m._simple_command('ENABLE', 'CONDSTORE')
out['enable'] = [typ, dec(m.untagged_responses.pop('ENABLED', []))]
out['namespace'] = dec(m.namespace()[1])
out['create'] = [m.create('Work')[0], m.create('Work/2026')[0], m.create('Work')[0]]
out['create_use'] = m._simple_command('CREATE', 'Flagged', '(USE (\\Flagged))')[0]
out['rename'] = m.rename('Work/2026', 'Work/Archive-2026')[0]
out['subscribe'] = m.subscribe('Work/Archive-2026')[0]
out['lsub'] = dec(m.lsub('""', 'Work/*')[1])
out['list_pct'] = dec(m.list('""', 'Work/%')[1])
out['list_status'] = cmd('LIST', '""', '"Work"', 'RETURN', '(STATUS (MESSAGES UIDNEXT SIZE))')
out['list_special'] = dec(m._simple_command('LIST', '(SPECIAL-USE)', '""', '*')[1] and m.untagged_responses.pop('LIST', []))
msg = b'From: py@example.org\r\nTo: alice@example.com\r\nSubject: caf\xc3\xa9 notes\r\nMessage-ID: <imaplib1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n8-bit body: \xc3\xa9t\xc3\xa9\r\n'
typ, data = m.append('Work', '(\\Seen $Notes)', imaplib.Time2Internaldate(1700000000), msg)
out['append'] = [typ, dec(data[0])]
m.append('Work', None, None, b'Subject: second\r\n\r\nsecond\r\n')
m.append('Work', '(\\Deleted)', None, b'Subject: third\r\n\r\nthird\r\n')
typ, data = m.select('Work', readonly=True)
out['examine'] = [typ, dec(data[0]), dec(m.untagged_responses.get('READ-ONLY', [None])[0])]
out['examine_store'] = m.store('1', '+FLAGS', '(\\Flagged)')[0]
typ, data = m.select('Work')
out['select'] = [typ, dec(data[0])]
out['status_size'] = dec(m.status('Work', '(MESSAGES SIZE UNSEEN)')[1][0])
typ, data = m.fetch('1', '(BODY.PEEK[])')
out['body_exact'] = data[0][1] == msg
typ, data = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[TEXT]<0.5> RFC822.SIZE)')
out['fetch_parts'] = dec(data)
m.literal = 'caf\u00e9'.encode('utf-8')
typ, data = m.search('UTF-8', 'SUBJECT')
out['search_utf8'] = dec(data[0])
out['search_badcharset'] = m._simple_command('SEARCH', 'CHARSET', 'X-NOPE', 'ALL')[0]
out['esearch'] = cmd('SEARCH', 'RETURN', '(MIN MAX COUNT)', 'ALL')
out['uid_search'] = dec(m.uid('SEARCH', None, 'UID', '1:*')[1][0])
typ, data = m.store('2', '+FLAGS', '(\\Answered)')
out['store'] = dec(data[0])
out['store_silent'] = dec(m.store('2', '+FLAGS.SILENT', '(\\Flagged)')[1])
out['fetch_modseq'] = dec(m.fetch('2', '(MODSEQ FLAGS)')[1][0])
typ, data = m.uid('COPY', '1', 'Archive')
out['uid_copy'] = [typ, dec(m.untagged_responses.pop('COPYUID', [None])[0])]
typ, data = m._simple_command('MOVE', '2', 'Trash')
out['move'] = [typ, dec(m.untagged_responses.pop('COPYUID', [None])[0]), dec(m.untagged_responses.pop('EXPUNGE', []))]
typ, data = m.uid('EXPUNGE', '3')
out['uid_expunge'] = [typ, dec(m.untagged_responses.pop('EXPUNGE', []))]
out['check'] = m.check()[0]
out['noop'] = m.noop()[0]
# IDLE by hand (imaplib has no idle() before 3.14): a second connection appends, we see EXISTS, DONE ends it.
m.send(b'i1 IDLE\r\n')
out['idle_cont'] = dec(m.readline()).strip()
w = imaplib.IMAP4('127.0.0.1', port)
w.login('alice@example.com', 'secret')
w.append('Work', None, None, b'Subject: pushed\r\n\r\npushed\r\n')
w.logout()
m.sock.settimeout(3)
out['idle_push'] = dec(m.readline()).strip()
m.send(b'DONE\r\n')
lines = []
while True:
    l = dec(m.readline()).strip()
    lines.append(l)
    if l.startswith('i1 '): break
out['idle_done'] = lines[-1]
out['unselect'] = m.unselect()[0]
out['getquotaroot'] = dec(m.getquotaroot('INBOX')[1])
out['select_again'] = m.select('Work')[0]
out['close'] = m.close()[0]
out['delete_parent'] = m.delete('Work')[0]
out['list_after_delete'] = dec(m.list('""', 'Work*')[1])
out['unsubscribe'] = m.unsubscribe('Work/Archive-2026')[0]
out['delete_child'] = m.delete('Work/Archive-2026')[0]
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;

describe('Python imaplib: every command and extension', () => {
  it('drives the whole command set', async () => {
    const { server } = await startRealServer();
    const run = await execa('python3', ['-c', PY, String(server.port)], { timeout: 30_000, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    const stdout = run.stdout;
    const r = JSON.parse(stdout) as Record<string, unknown>;
    const caps = r.caps as string[];
    for (const c of ['IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'ID', 'ENABLE', 'LITERAL+', 'SASL-IR', 'UNSELECT', 'CHILDREN', 'LIST-EXTENDED', 'LIST-STATUS', 'ESEARCH', 'STATUS=SIZE', 'CONDSTORE', 'QRESYNC']) {
      expect(caps, c).toContain(c);
    }
    expect(caps.some((c) => /^APPENDLIMIT=\d+$/.test(c))).toBe(true);
    expect(r.auth).toBe('OK');
    expect((r.id as unknown[])[0]).toBe('OK');
    expect(r.enable).toEqual(['OK', ['CONDSTORE']]);
    expect(r.namespace).toEqual(['(("" "/")) NIL (("Shared/" "/"))']);
    expect(r.create).toEqual(['OK', 'OK', 'NO']);
    expect(r.create_use).toBe('OK');
    expect(r.rename).toBe('OK');
    expect(r.subscribe).toBe('OK');
    expect(r.lsub).toEqual(['() "/" Work/Archive-2026']);
    expect(r.list_pct).toEqual(['(\\HasNoChildren) "/" Work/Archive-2026']);
    const ls = r.list_status as [string, string[], unknown];
    expect(ls[0]).toBe('OK');
    expect(ls[1]).toEqual(['(\\HasChildren) "/" Work']);
    expect(r.list_special).toEqual(expect.arrayContaining(['(\\HasNoChildren \\Flagged) "/" Flagged', '(\\HasNoChildren \\Sent) "/" Sent']));
    expect((r.append as string[])[0]).toBe('OK');
    expect((r.append as string[])[1]).toMatch(/^\[APPENDUID \d+ 1\]/);
    expect((r.examine as string[])[0]).toBe('OK');
    expect((r.examine as string[])[1]).toBe('3');
    expect(r.examine_store).toBe('NO');
    expect(r.select).toEqual(['OK', '3']);
    expect(r.status_size).toMatch(/^Work \(MESSAGES 3 SIZE \d+ UNSEEN 2\)$/);
    expect(r.body_exact).toBe(true);
    expect(JSON.stringify(r.fetch_parts)).toContain('Subject: café notes');
    expect(r.search_utf8).toBe('1');
    expect(r.search_badcharset).toBe('NO');
    const es = r.esearch as [string, string[]];
    expect(es[0]).toBe('OK');
    expect(r.uid_search).toBe('1 2 3');
    // CONDSTORE is on (ENABLE above): UID and MODSEQ ride along (RFC 7162 §3.1).
    expect(r.store).toMatch(/^2 \(UID 2 FLAGS \(.*\\Answered.*\) MODSEQ \(\d+\)\)$/);
    // .SILENT drops FLAGS; with CONDSTORE enabled the new MODSEQ is still reported (RFC 7162 §3.1.3).
    expect(r.store_silent).toEqual([expect.stringMatching(/^2 \(UID 2 MODSEQ \(\d+\)\)$/)]);
    expect(r.fetch_modseq).toMatch(/^2 \(MODSEQ \(\d+\) FLAGS \(.*\\Flagged.*\)\)$/);
    expect(r.uid_copy).toEqual(['OK', expect.stringMatching(/^\d+ 1 1$/)]);
    const mv = r.move as [string, string, string[]];
    expect(mv[0]).toBe('OK');
    expect(mv[1]).toMatch(/^\d+ 2 1$/);
    expect(mv[2]).toEqual(['2']);
    // UID 3 (\Deleted) is now sequence number 2.
    expect(r.uid_expunge).toEqual(['OK', ['2']]);
    expect(r.check).toBe('OK');
    expect(r.noop).toBe('OK');
    expect(r.idle_cont).toMatch(/^\+ /);
    expect(r.idle_push).toBe('* 2 EXISTS');
    expect(r.idle_done).toMatch(/^i1 OK/);
    expect(r.unselect).toBe('OK');
    // No quota configured for this user: `* QUOTAROOT INBOX` names no root.
    expect((r.getquotaroot as string[][])[0]).toEqual(['INBOX']);
    expect(r.close).toBe('OK');
    expect(r.delete_parent).toBe('OK');
    expect(r.list_after_delete).toEqual(['(\\Noselect \\HasChildren) "/" Work', '(\\HasNoChildren) "/" Work/Archive-2026']);
    expect(r.unsubscribe).toBe('OK');
    expect(r.delete_child).toBe('OK');
    expect(r.logout).toBe('BYE');
  });
});
