// Deep freezing for config snapshots: a snapshot is shared by every connection and swapped whole on reload,
// so nothing may change it in place. Maps cannot be frozen by Object.freeze, hence FrozenMap.

/** A Map whose contents are fixed at construction: set/delete/clear throw. */
export class FrozenMap<K, V> extends Map<K, V> {
  private readonly sealed: boolean;

  constructor(entries: Iterable<readonly [K, V]> = []) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    this.sealed = true;
  }

  override set(key: K, value: V): this {
    if (this.sealed) throw new TypeError('config snapshot is read-only');
    return super.set(key, value);
  }

  override delete(): boolean {
    throw new TypeError('config snapshot is read-only');
  }

  override clear(): void {
    throw new TypeError('config snapshot is read-only');
  }
}

/** Freezes `value` and everything reachable from it (plain objects, arrays, Map values). */
export function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen);
      deepFreeze(v, seen);
    }
  } else {
    for (const v of Object.values(value)) deepFreeze(v, seen);
  }
  return Object.freeze(value);
}
