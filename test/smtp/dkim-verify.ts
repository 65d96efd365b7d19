// Verifies DKIM signatures two independent ways: mailauth, and python3-dkim (`dkim.verify` with a DNS function
// answering from the given TXT records), so our signer is never only checked against itself.
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

const PY = `
import sys, json, dkim
txt = json.loads(sys.argv[1])
msg = sys.stdin.buffer.read()
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    v = txt.get(n.rstrip('.'))
    return v.encode() if v else None
d = dkim.DKIM(msg)
out = []
for i in range(len([l for l in msg.split(b'\\r\\n\\r\\n')[0].split(b'\\r\\n') if l.lower().startswith(b'dkim-signature:')])):
    out.append(bool(d.verify(idx=i, dnsfunc=dnsfunc)))
print(json.dumps(out))
`;

/** python3-dkim (Debian's dkimpy, what dkimverify runs): one boolean per DKIM-Signature, top first. */
export async function verifyWithDkimpy(message: Buffer, txt: TxtRecords): Promise<boolean[]> {
  const r = await execa('/usr/bin/python3', ['-c', PY, JSON.stringify(txt)], { input: message, reject: false });
  if (r.exitCode !== 0) throw new Error(`dkimpy failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as boolean[];
}
