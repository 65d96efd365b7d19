// BODYSTRUCTURE and BODY[n] over every fixture, checked against two independent parsers: imapflow reads our
// BODYSTRUCTURE as a client would (types, sizes, part numbers), and Python's email package says what each
// part's body bytes are, which BODY[n] must return exactly.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseBodystructure } from 'imapflow/lib/tools.js';
import { toCrlf } from '../../src/mime/canonical.js';
import { renderFetch } from '../../src/server/imap/fetch/items.js';
import type { FetchItem } from '../../src/server/imap/protocol/ast.js';
import { Raw } from '../../src/server/imap/protocol/values.js';
import { MemoryFolder } from './memory-folder.js';
import { literalBytes, parseFetch } from './wire.js';

const dir = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const script = fileURLToPath(new URL('../mime/python-structure.py', import.meta.url));

interface PyNode {
  type: string;
  subtype: string;
  children?: PyNode[];
  message?: PyNode;
  payload?: string;
}

interface ClientNode {
  part?: string;
  type: string;
  size?: number;
  childNodes?: ClientNode[];
}

/** Leaves of Python's tree with IMAP part numbers (a non-multipart message body is part 1). */
function pyLeaves(n: PyNode, prefix: string, out: Map<string, PyNode>, topLevel: boolean): void {
  if (n.children) n.children.forEach((c, i) => pyLeaves(c, prefix ? `${prefix}.${i + 1}` : `${i + 1}`, out, false));
  else {
    // the body of a non-multipart (encapsulated) message is its part 1
    const num = topLevel ? (prefix ? `${prefix}.1` : '1') : prefix;
    out.set(num, n);
    if (n.message) pyLeaves(n.message, num, out, true);
  }
}

function clientLeaves(n: ClientNode, out: Map<string, ClientNode>, number = n.part ?? '1'): void {
  if (n.childNodes && n.type.startsWith('multipart/')) n.childNodes.forEach((c) => clientLeaves(c, out));
  else {
    out.set(number, n);
    // imapflow leaves the body of a non-multipart encapsulated message unnumbered: it is part N.1
    for (const c of n.childNodes ?? []) clientLeaves(c, out, c.type.startsWith('multipart/') ? undefined : `${number}.1`);
  }
}

describe('BODYSTRUCTURE against imapflow and Python email', () => {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
    it(name, async () => {
      const canonical = toCrlf(readFileSync(dir + name));
      const folder = new MemoryFolder();
      const info = folder.add(canonical);
      const py = JSON.parse((await execa('python3', [script], { input: canonical })).stdout) as PyNode;

      const values = await renderFetch({ folder, message: info, recent: false }, [{ kind: 'attribute', name: 'BODYSTRUCTURE' }]);
      expect(values[1]).toBeInstanceOf(Raw); // exact RFC form: parts back to back
      const attrs = await parseFetch(values);
      const structure = parseBodystructure(attrs[1] as never) as unknown as ClientNode;

      const expected = new Map<string, PyNode>();
      pyLeaves(py, '', expected, true);
      const seen = new Map<string, ClientNode>();
      clientLeaves(structure, seen);
      expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort());

      const sections: FetchItem[] = [...expected.keys()].map((p) => ({
        kind: 'section',
        peek: true,
        section: { part: p.split('.').map(Number) },
      }));
      const bodies = await renderFetch({ folder, message: info, recent: false }, sections);
      const texts = await Promise.all(
        bodies.filter((_, i) => i % 2 === 1).map(async (v) => ((await literalBytes([v]))[0] ?? Buffer.alloc(0)).toString('latin1')),
      );
      [...expected.entries()].forEach(([part, node], i) => {
        const client = seen.get(part)!;
        expect(client.type, `part ${part}`).toBe(`${node.type}/${node.subtype}`);
        if (node.payload !== undefined) {
          const payload = Buffer.from(node.payload, 'base64').toString('latin1');
          expect(texts[i], `BODY[${part}]`).toBe(payload);
          expect(client.size, `size of ${part}`).toBe(Buffer.byteLength(payload, 'latin1'));
        }
      });
    });
  }
});
