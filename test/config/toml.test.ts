import { describe, expect, it } from 'vitest';
import { stringify } from 'smol-toml';
import { parseToml, scanPositions } from '../../src/config/toml.js';
import { ConfigError } from '../../src/errors.js';

const RULES = `# rules
[[rule]]
id = "rule-a"
priority = 5

[[rule]]
id = "rule-b"
  priority = 7
to = [
  "x@example.com",   # first
  "y@example.com",
]

[[rule]]
id = "rule-c"
header = { name = "X-Spam", contains = "yes" }
note = """
line one
[[rule]]
x = 1
"""
priority = 1
`;

describe('parseToml', () => {
  it('returns the document', () => {
    const { doc } = parseToml(RULES, 'rules.toml');
    expect((doc.rule as unknown[]).length).toBe(3);
  });

  it('locates keys inside array tables by index', () => {
    const { locate } = parseToml(RULES, 'rules.toml');
    expect(locate(['rule', 0, 'priority'])).toEqual({ line: 4, col: 1 });
    expect(locate(['rule', 1, 'priority'])).toEqual({ line: 8, col: 3 });
    expect(locate(['rule', 2, 'priority'])).toEqual({ line: 22, col: 1 });
    expect(locate(['rule', 2])).toEqual({ line: 14, col: 3 });
  });

  it('locates array elements and inline-table keys', () => {
    const { locate } = parseToml(RULES, 'rules.toml');
    expect(locate(['rule', 1, 'to', 1])).toEqual({ line: 11, col: 3 });
    expect(locate(['rule', 2, 'header', 'contains'])).toEqual({ line: 16, col: 29 });
  });

  it('falls back to the longest known prefix for missing keys', () => {
    const { locate } = parseToml(RULES, 'rules.toml');
    expect(locate(['rule', 0, 'action'])).toEqual({ line: 2, col: 3 });
    expect(locate(['nothing'])).toBeUndefined();
  });

  it('handles table headers, dotted and quoted keys', () => {
    const text = [
      'enabled = true',
      '[outbound.dkim]',
      'selector = "s1"',
      '[aliases]',
      'sales = ["alice", "bob@example.org"]',
      '"odd.key" = "x"',
      "'lit' = 'y'",
      'a.b.c = 1',
      '[ "quoted table" . inner ]',
      'k = 2',
    ].join('\n');
    const { locate } = parseToml(text, 'd.toml');
    expect(locate(['outbound', 'dkim', 'selector'])).toEqual({ line: 3, col: 1 });
    expect(locate(['outbound', 'dkim'])).toEqual({ line: 2, col: 2 });
    expect(locate(['aliases', 'sales'])).toEqual({ line: 5, col: 1 });
    expect(locate(['aliases', 'sales', 1])).toEqual({ line: 5, col: 19 });
    expect(locate(['aliases', 'odd.key'])).toEqual({ line: 6, col: 1 });
    expect(locate(['aliases', 'lit'])).toEqual({ line: 7, col: 1 });
    expect(locate(['aliases', 'a', 'b', 'c'])).toEqual({ line: 8, col: 1 });
    expect(locate(['quoted table', 'inner', 'k'])).toEqual({ line: 10, col: 1 });
  });

  it('handles nested array tables', () => {
    const text = '[[a]]\nx = 1\n[[a.b]]\ny = 1\n[[a.b]]\ny = 2\n[[a]]\n[[a.b]]\ny = 3\n';
    const { doc, locate } = parseToml(text, 'n.toml');
    expect(doc).toEqual({ a: [{ x: 1, b: [{ y: 1 }, { y: 2 }] }, { b: [{ y: 3 }] }] });
    expect(locate(['a', 0, 'b', 1, 'y'])).toEqual({ line: 6, col: 1 });
    expect(locate(['a', 1, 'b', 0, 'y'])).toEqual({ line: 9, col: 1 });
  });

  it('handles multi-line inline tables with comments and trailing commas', () => {
    const text = 'a = {\n  b = 1, # one\n  c = { d = [1,\n 2] },\n}\nz = 2\n';
    const { doc, locate } = parseToml(text, 'i.toml');
    expect(doc).toEqual({ a: { b: 1, c: { d: [1, 2] } }, z: 2 });
    expect(locate(['a', 'b'])).toEqual({ line: 2, col: 3 });
    expect(locate(['a', 'c', 'd', 1])).toEqual({ line: 4, col: 2 });
    expect(locate(['z'])).toEqual({ line: 6, col: 1 });
  });

  it('locates every key of tricky documents on a line that names it', () => {
    const docs = [
      RULES,
      [
        'title = "a # not a comment"',
        '"key with spaces" = 1',
        "q = '[not a table]'",
        '[t]',
        'x = """',
        'k = 1',
        '"""',
        "y = '''",
        '[[fake]]' + "'''",
      ].join('\n'),
      '[a]\n[a.b]\nc = 1\n[[a.arr]]\nv = "\\" escaped \\""\n[[a.arr]]\nv = 2\n',
      'x = [ [1, 2], [ "a", "b" ], ]\ndate = 1979-05-27T07:32:00Z\nf = -1.5e3\nstr = "\\u00e9"\n',
    ];
    for (const text of docs) {
      const { doc, locate } = parseToml(text, 't.toml');
      const lines = text.split('\n');
      const walk = (v: unknown, path: (string | number)[]): void => {
        if (path.length > 0 && typeof path[path.length - 1] === 'string') {
          const pos = locate(path);
          expect(pos, JSON.stringify(path)).toBeDefined();
          const key = String(path[path.length - 1]);
          expect(lines[(pos?.line ?? 0) - 1], `${JSON.stringify(path)} in ${JSON.stringify(text)}`).toContain(key);
        }
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
        else if (v && typeof v === 'object' && !(v instanceof Date)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      };
      walk(doc, []);
    }
  });

  it('finds every key of generated documents (stringify round trip)', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const names = ['a', 'b.c', 'with space', 'é', 'rule', 'x-y', '1', '"q"', "it's"];
    const value = (depth: number): unknown => {
      switch (rnd(depth > 2 ? 4 : 7)) {
        case 0: return rnd(100);
        case 1: return `s${rnd(9)} # [x] = "y"`;
        case 2: return rnd(2) === 0;
        case 3: return 'multi\nline\n"""';
        case 4: return Array.from({ length: rnd(3) }, () => value(depth + 1));
        case 5: return Array.from({ length: 1 + rnd(3) }, () => table(depth + 1)); // array of tables
        default: return table(depth + 1);
      }
    };
    const table = (depth: number): Record<string, unknown> => {
      const t: Record<string, unknown> = {};
      for (let i = rnd(4); i >= 0; i--) t[names[rnd(names.length)] ?? 'k'] = value(depth);
      return t;
    };
    for (let n = 0; n < 200; n++) {
      const text = stringify(table(0));
      const { doc } = parseToml(text, 'gen.toml');
      const positions = scanPositions(text);
      const walk = (v: unknown, path: (string | number)[]): void => {
        if (path.length > 0) expect(positions.has(JSON.stringify(path)), `${JSON.stringify(path)} in ${text}`).toBe(true);
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      };
      walk(doc, []);
    }
  });

  it('throws ConfigError with line and column on bad TOML', () => {
    let caught: unknown;
    try {
      parseToml('a = 1\nb = = 2\n', 'users/alice.toml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issue = (caught as ConfigError).issues[0];
    expect(issue).toMatchObject({ file: 'users/alice.toml', line: 2, col: 5, severity: 'error' });
    expect(issue?.message).toMatch(/^invalid TOML: invalid value$/);
  });

  it('reports duplicate keys as bad TOML', () => {
    expect(() => parseToml('a = 1\na = 2\n', 'x.toml')).toThrow(/x\.toml:2:1: invalid TOML/);
  });
});
