// summarizeMessage against an independent parse (Python's email package) over every fixture: the same
// part tree, and each leaf's [bodyStart, bodyEnd) equal to the payload Python found.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { summarizeMessage } from '../../src/mime/summarize.js';
import { toCrlf } from '../../src/mime/canonical.js';
import type { BodyPart } from '../../src/mime/types.js';

const dir = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const script = fileURLToPath(new URL('./python-structure.py', import.meta.url));

interface PyNode {
  type: string;
  subtype: string;
  children?: PyNode[];
  message?: PyNode;
  payload?: string;
}

function compare(buf: Buffer, part: BodyPart, py: PyNode, path: string): void {
  expect(`${path}: ${part.type}/${part.subtype}`).toBe(`${path}: ${py.type}/${py.subtype}`);
  expect(part.size, path).toBe(part.bodyEnd - part.bodyStart);
  if (py.children) {
    expect(part.children?.length, `${path} children`).toBe(py.children.length);
    py.children.forEach((c, i) => compare(buf, part.children![i]!, c, `${path}.${i + 1}`));
  } else if (py.message) {
    expect(part.message, `${path} message`).toBeDefined();
    compare(buf, part.message!.body, py.message, `${path}[msg]`);
  } else {
    expect(buf.subarray(part.bodyStart, part.bodyEnd).toString('latin1'), `${path} payload`).toBe(
      Buffer.from(py.payload ?? '', 'base64').toString('latin1'),
    );
  }
}

describe('summarizeMessage matches Python email', () => {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
    it(name, async () => {
      const canonical = toCrlf(readFileSync(dir + name));
      const { stdout } = await execa('python3', [script], { input: canonical });
      const py = JSON.parse(stdout) as PyNode;
      const summary = await summarizeMessage(Readable.from([canonical.subarray(0, 7), canonical.subarray(7)]));
      compare(canonical, summary.body, py, 'root');
      expect(summary.body.headerStart).toBe(0);
      expect(summary.body.bodyEnd).toBe(canonical.length);
    });
  }
});
