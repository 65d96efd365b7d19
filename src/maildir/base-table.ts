// The uidlist's file bases, position by position, without one live string per message until one is asked
// for. A table loaded from the index snapshot (index-snapshot.ts) keeps its bases as the snapshot's UTF-8
// bytes, decoded into one string the first time any base is needed (listing a folder needs none), and
// slices them on demand; bases appended later are kept as they come. Positions never change meaning for
// the life of a table (the uidlist starts a new table when its file is replaced), so a message may keep
// (table, position) instead of its base.
export class BaseTable {
  private readonly packedCount: number;
  /** Bases sliced from the packed prefix so far; made on first use (a listing never needs one). */
  private cache: Array<string | undefined> | undefined;
  /** Bases appended after the packed prefix. */
  private readonly extra: string[] = [];
  private packed: string | undefined;

  /**
   * `bytes` holds the first `offsets.length - 1` bases back to back in UTF-8; base i is
   * decoded.slice(offsets[i], offsets[i + 1]) (character offsets in the decoded string).
   */
  constructor(
    private bytes: Buffer | undefined = undefined,
    private readonly offsets: Uint32Array = new Uint32Array(1),
  ) {
    this.packedCount = offsets.length - 1;
  }

  get length(): number {
    return this.packedCount + this.extra.length;
  }

  private slice(i: number): string {
    if (this.packed === undefined) {
      this.packed = this.bytes === undefined ? '' : this.bytes.toString('utf8');
      this.bytes = undefined;
    }
    return this.packed.slice(this.offsets[i], this.offsets[i + 1]);
  }

  at(i: number): string {
    if (i >= this.packedCount) return this.extra[i - this.packedCount] as string;
    if (this.cache === undefined) {
      // Filled: a bare `new Array(n)` is V8's slow dictionary mode for a large n.
      this.cache = new Array<string | undefined>(this.packedCount).fill(undefined);
    }
    let s = this.cache[i];
    if (s === undefined) {
      s = this.slice(i);
      this.cache[i] = s;
    }
    return s;
  }

  /** Base i without keeping it (the snapshot writer walks every base once). */
  peek(i: number): string {
    if (i >= this.packedCount) return this.extra[i - this.packedCount] as string;
    return this.cache?.[i] ?? this.slice(i);
  }

  push(base: string): void {
    this.extra.push(base);
  }
}
