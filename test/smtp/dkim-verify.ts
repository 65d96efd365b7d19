// Verifies DKIM signatures two independent ways: mailauth, and Debian's `dkimverify` (python3-dkim) with DNS
// answered from the given TXT records, so our signer is never only checked against itself.
import { execa } from 'execa';
import { dkimVerify } from 'mailauth';

export type TxtRecords = Record<string, string>;

/** mailauth: the per-signature results ("pass"/"fail"…) with their selector and algorithm. */
export async function verifyWithMailauth(message: Buffer, txt: TxtRecords): Promise<Array<{ selector: string; domain: string; result: string }>> {
  const res = await dkimVerify(message, {
    resolver: async (name: string, type: string) => {
      const v = txt[name];
      if (type !== 'TXT' || v === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [[v]];
    },
  });
  return res.results.map((r) => ({ selector: r.selector ?? '', domain: r.signingDomain, result: r.status.result }));
}

// Runs Debian's actual `dkimverify` program (python3-dkim) with its DNS lookups answered from the table:
// dkimpy binds its resolver as the default argument of DKIM.verify, which the wrapper rebinds before running
// /usr/bin/dkimverify unchanged (its argument parsing, stdin handling, output and exit status included).
const PY = `
import json, os, runpy, sys, dkim
txt = json.loads(os.environ['DKIM_TXT'])
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    v = txt.get(n.rstrip('.'))
    return v.encode() if v else None
defaults = list(dkim.DKIM.verify.__defaults__)
defaults[1] = dnsfunc
dkim.DKIM.verify.__defaults__ = tuple(defaults)
sys.argv = ['dkimverify'] + sys.argv[1:]
runpy.run_path('/usr/bin/dkimverify', run_name='__main__')
`;

/** `dkimverify --index N` for every DKIM-Signature (top first): true when it printed "signature ok" and exited 0. */
export async function verifyWithDkimverify(message: Buffer, txt: TxtRecords): Promise<boolean[]> {
  const head = message.subarray(0, message.indexOf('\r\n\r\n')).toString('latin1');
  const count = head.split('\r\n').filter((l) => /^dkim-signature:/i.test(l)).length;
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const r = await execa('/usr/bin/python3', ['-c', PY, '--index', String(i)], { input: message, reject: false, env: { DKIM_TXT: JSON.stringify(txt) } });
    if (r.exitCode !== 0 && r.stdout.trim() !== 'signature verification failed') throw new Error(`dkimverify failed: ${r.stderr || r.stdout}`);
    out.push(r.exitCode === 0 && r.stdout.trim() === 'signature ok');
  }
  return out;
}
