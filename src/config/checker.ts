// Typed reading of one parsed TOML file with every problem collected as a ConfigIssue at the offending key's
// line and column. Validators read fields only through this, so no issue is ever reported without a place.
import type { ConfigIssue } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import type { KeyPath, ParsedToml } from './toml.js';

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export class FileChecker {
  readonly issues: ConfigIssue[] = [];

  constructor(
    readonly file: string,
    private readonly parsed: Pick<ParsedToml, 'locate'>,
  ) {}

  error(path: KeyPath, message: string): void {
    this.add(path, message, 'error');
  }

  warning(path: KeyPath, message: string): void {
    this.add(path, message, 'warning');
  }

  get failed(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  private add(path: KeyPath, message: string, severity: 'error' | 'warning'): void {
    const pos = this.parsed.locate(path);
    this.issues.push({ file: this.file, line: pos?.line, col: pos?.col, message, severity });
  }

  /** Reports every key of `table` not in `allowed`, with a hint when one is close. */
  knownKeys(table: Table, path: KeyPath, allowed: readonly string[]): void {
    for (const key of Object.keys(table)) {
      if (allowed.includes(key)) continue;
      const hint = didYouMean(key, allowed);
      const name = path.filter((p) => typeof p === 'string').join('.');
      const where = path.length === 0 ? '' : typeof path[path.length - 1] === 'number' ? ` in [[${name}]]` : ` in [${name}]`;
      this.error([...path, key], `unknown key "${key}"${where}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }

  /** The sub-table at `key`, {} when absent, undefined (with an error) when not a table. */
  table(parent: Table, path: KeyPath, key: string): Table | undefined {
    const v = parent[key];
    if (v === undefined) return {};
    if (isTable(v)) return v;
    this.error([...path, key], `"${key}" must be a table`);
    return undefined;
  }

  string(parent: Table, path: KeyPath, key: string): string | undefined {
    const v = parent[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    this.error([...path, key], `"${key}" must be a string`);
    return undefined;
  }

  boolean(parent: Table, path: KeyPath, key: string): boolean | undefined {
    const v = parent[key];
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    this.error([...path, key], `"${key}" must be true or false`);
    return undefined;
  }

  integer(parent: Table, path: KeyPath, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = parent[key];
    if (v === undefined) return undefined;
    if (typeof v === 'bigint' && v >= BigInt(min) && v <= BigInt(max)) return Number(v);
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.error([...path, key], `"${key}" must be an integer from ${min} to ${max}`);
    return undefined;
  }

  /** A string or an array of strings, as a list. */
  stringList(parent: Table, path: KeyPath, key: string): string[] | undefined {
    const v = parent[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) {
      const out: string[] = [];
      v.forEach((item, i) => {
        if (typeof item === 'string') out.push(item);
        else this.error([...path, key, i], `"${key}" must hold strings only`);
      });
      return out;
    }
    this.error([...path, key], `"${key}" must be a string or an array of strings`);
    return undefined;
  }

  oneOf<T extends string>(parent: Table, path: KeyPath, key: string, values: readonly T[]): T | undefined {
    const v = this.string(parent, path, key);
    if (v === undefined) return undefined;
    if ((values as readonly string[]).includes(v)) return v as T;
    const hint = didYouMean(v, values);
    this.error([...path, key], `"${key}" must be one of ${values.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    return undefined;
  }
}
