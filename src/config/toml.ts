// TOML parsing with source positions. smol-toml gives the document but no positions; validation must say
// `file:line:col` for every issue, so a small scanner walks the (already valid) text once and records where each
// key path starts: table headers `[a.b]`, array tables `[[rule]]` (indexed per array), `key = value` lines with
// dotted and quoted keys, and the elements of inline arrays and tables. `locate` answers with the longest
// recorded prefix of the asked path, so a missing key points at its table.
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';

export type KeyPath = readonly (string | number)[];

export interface Position {
  line: number;
  col: number;
}

export interface ParsedToml {
  doc: Record<string, unknown>;
  locate(path: KeyPath): Position | undefined;
}

/** Parses `text` (from `file`, used in errors); throws ConfigError with smol-toml's line/col on bad TOML. */
export function parseToml(text: string, file: string): ParsedToml {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const message = (err.message.split('\n')[0] ?? 'invalid TOML').replace(/^Invalid TOML document: /, '');
      throw new ConfigError([{ file, line: err.line, col: err.column, message: `invalid TOML: ${message}`, severity: 'error' }]);
    }
    throw err;
  }
  const positions = scanPositions(text);
  return {
    doc,
    locate(path) {
      for (let n = path.length; n > 0; n--) {
        const hit = positions.get(pathKey(path.slice(0, n)));
        if (hit) return hit;
      }
      return undefined;
    },
  };
}

function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

/** Maps every key path found in `text` to where it starts. `text` must be valid TOML. */
export function scanPositions(text: string): Map<string, Position> {
  const positions = new Map<string, Position>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const posAt = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  const record = (path: KeyPath, offset: number): void => {
    const k = pathKey(path);
    if (!positions.has(k)) positions.set(k, posAt(offset));
  };

  // Array tables: resolved path of the array -> index of its last element.
  const arrayIndex = new Map<string, number>();
  /** Inserts the current element index after every prefix that names an array of tables. */
  const resolve = (keys: readonly string[]): (string | number)[] => {
    const out: (string | number)[] = [];
    for (const k of keys) {
      out.push(k);
      const idx = arrayIndex.get(pathKey(out));
      if (idx !== undefined) out.push(idx);
    }
    return out;
  };

  let i = 0;
  let table: (string | number)[] = [];

  const skipSpaces = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const skipBlank = (): void => {
    for (;;) {
      while (i < text.length && /[ \t\r\n]/.test(text[i] ?? '')) i++;
      if (text[i] === '#') {
        while (i < text.length && text[i] !== '\n') i++;
        continue;
      }
      return;
    }
  };

  /** One key segment: bare, "basic" or 'literal'. */
  const readKeySegment = (): string => {
    const c = text[i];
    if (c === '"') return readBasicString();
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const start = i;
    while (i < text.length && /[A-Za-z0-9_-]/.test(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  /** A dotted key; returns its segments and leaves `i` after it. */
  const readKey = (): string[] => {
    const keys: string[] = [];
    for (;;) {
      skipSpaces();
      keys.push(readKeySegment());
      skipSpaces();
      if (text[i] !== '.') return keys;
      i++;
    }
  };
  const readBasicString = (): string => {
    let s = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\', e: '\x1b' };
        if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          s += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + len), 16));
          i += 2 + len;
          continue;
        }
        if (e === 'x') {
          s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        s += simple[e ?? ''] ?? e ?? '';
        i += 2;
        continue;
      }
      s += text[i];
      i++;
    }
    i++;
    return s;
  };
  /** Skips a string of any of the four kinds, starting at its opening quote. */
  const skipString = (): void => {
    const q = text[i] ?? '"';
    const triple = text.startsWith(q.repeat(3), i);
    if (triple) {
      i += 3;
      for (;;) {
        if (i >= text.length) return;
        if (q === '"' && text[i] === '\\') {
          i += 2;
          continue;
        }
        if (text.startsWith(q.repeat(3), i)) {
          i += 3;
          // Up to two quotes may directly follow and belong to the string.
          while (text[i] === q) i++;
          return;
        }
        i++;
      }
    }
    i++;
    while (i < text.length && text[i] !== q) i += q === '"' && text[i] === '\\' ? 2 : 1;
    i++;
  };
  /** Skips one value, recording the positions of array elements and inline-table keys below `path`. */
  const readValue = (path: (string | number)[]): void => {
    const c = text[i];
    if (c === '"' || c === "'") return skipString();
    if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        skipBlank();
        if (text[i] === ']' || i >= text.length) {
          i++;
          return;
        }
        const at = i;
        record([...path, n], i);
        readValue([...path, n]);
        skipBlank();
        if (text[i] === ',') i++;
        if (i === at) i++;
      }
    }
    if (c === '{') {
      i++;
      // TOML 1.1 (and smol-toml) allow newlines, comments and a trailing comma inside inline tables.
      for (;;) {
        skipBlank();
        if (text[i] === '}' || i >= text.length) {
          i++;
          return;
        }
        const at = i;
        const keys = readKey();
        recordKeyPath(path, keys, at);
        skipSpaces();
        if (text[i] === '=') i++;
        skipSpaces();
        readValue([...path, ...keys]);
        skipBlank();
        if (text[i] === ',') i++;
        if (i === at) i++; // never stall on text the scanner does not understand
      }
    }
    while (i < text.length && !/[,\]}\r\n#]/.test(text[i] ?? '')) i++;
  };
  const recordKeyPath = (base: (string | number)[], keys: readonly string[], at: number): void => {
    for (let n = 1; n <= keys.length; n++) record([...base, ...keys.slice(0, n)], at);
  };

  while (i < text.length) {
    skipBlank();
    if (i >= text.length) break;
    if (text[i] === '[') {
      const isArray = text[i + 1] === '[';
      i += isArray ? 2 : 1;
      skipSpaces();
      const at = i;
      const keys = readKey();
      i = text.indexOf('\n', i);
      if (i < 0) i = text.length;
      if (isArray) {
        const parent = resolve(keys.slice(0, -1));
        const arrayPath = [...parent, keys[keys.length - 1] ?? ''];
        const k = pathKey(arrayPath);
        const idx = (arrayIndex.get(k) ?? -1) + 1;
        // Nested array tables need no reset: their resolved paths include this element's index.
        arrayIndex.set(k, idx);
        table = [...arrayPath, idx];
        record(arrayPath, at);
      } else {
        table = resolve(keys);
      }
      for (let n = 1; n <= table.length; n++) record(table.slice(0, n), at);
      continue;
    }
    const at = i;
    const keys = readKey();
    recordKeyPath(table, keys, at);
    skipSpaces();
    if (text[i] === '=') i++;
    skipSpaces();
    readValue([...table, ...keys]);
    // Rest of the line: a comment at most.
    while (i < text.length && text[i] !== '\n') i++;
    if (i === at) i++;
  }
  return positions;
}
