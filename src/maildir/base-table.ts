// The uidlist's file bases, position by position, without one live string per message until one is asked
// for. A table loaded from the index snapshot (index-snapshot.ts) keeps all its bases in one string and
// slices them on demand; bases appended later are kept as they come. Positions never change meaning for
// the life of a table (the uidlist starts a new table when its file is replaced), so a message may keep
// (table, position) instead of its base.
export class BaseTable {
  /** Bases appended after the packed prefix, and bases sliced from it so far. */
  private readonly strings: Array<string | undefined>;

  /**
   * `packed` holds the first `offsets.length - 1` bases back to back; base i is
   * packed.slice(offsets[i], offsets[i + 1]) (character offsets).
   */
  constructor(
    private readonly packed = '',
    private readonly offsets: Uint32Array = new Uint32Array(1),
  ) {
    this.strings = new Array<string | undefined>(offsets.length - 1);
  }

  get length(): number {
    return this.strings.length;
  }

  at(i: number): string {
    let s = this.strings[i];
    if (s === undefined) {
      s = this.packed.slice(this.offsets[i], this.offsets[i + 1]);
      this.strings[i] = s;
    }
    return s;
  }

  /** Base i without keeping it (the snapshot writer walks every base once). */
  peek(i: number): string {
    return this.strings[i] ?? this.packed.slice(this.offsets[i], this.offsets[i + 1]);
  }

  push(base: string): void {
    this.strings.push(base);
  }
}
