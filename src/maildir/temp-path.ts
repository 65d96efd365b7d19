// Temp names for write-then-rename of small metadata files. Unique per call, not only per process: two
// writes of one file can overlap inside one server (two deliveries creating the same mailbox), and a shared
// temp name would let one rename the other's half-written file or fail with ENOENT.
let counter = 0;

export function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${(++counter).toString(36)}.tmp`;
}
