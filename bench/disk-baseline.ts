// What the disk under a benchmark's directory can do without everlock, measured in that directory just before
// the run, so a delivery figure can be read against the hardware of the moment (the same VM disk has measured
// anywhere from ~450 to ~1,800 serial durable writes per second on different days).
// - file creation: ext4 without a journal skips inodes freed in the last 60 s (6 min while their inode table
//   block is dirty) when it allocates one, so after a mass delete (an earlier benchmark's cleanup, the test
//   suite) each create in that block group can cost ~1 ms of kernel CPU instead of ~30 µs. A slow figure here
//   explains a slow run.
// - the Maildir protocol by hand: open tmp file, write, fdatasync, close, rename into new/, fsync new/; once
//   serially and once with the benchmark's concurrency.
// The files are removed only by the caller's final cleanup: deleting them now would slow the measured run's
// own file creation (see above).
import { closeSync, fdatasync, fsync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const viaPool = (f: typeof fsync, fd: number): Promise<void> => new Promise((resolve, reject) => f(fd, (err) => (err ? reject(err) : resolve())));

/** Microseconds per creation of an empty file in `dir` (serial). */
export function createCostMicros(dir: string, files = 500): number {
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (let i = 0; i < files; i++) closeSync(openSync(join(dir, `c${i}`), 'wx', 0o600));
  return ((performance.now() - t0) * 1000) / files;
}

/** Messages per second of write + fdatasync + rename + directory fsync with `writers` loops at once. */
export async function durableWritesPerSecond(dir: string, writers: number, count: number, size: number): Promise<number> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'new'), { recursive: true });
  const data = Buffer.alloc(size, 'x');
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const tmp = join(dir, 'tmp', String(i));
        const fd = openSync(tmp, 'wx', 0o600);
        writeSync(fd, data);
        await viaPool(fdatasync, fd);
        closeSync(fd);
        renameSync(tmp, join(dir, 'new', String(i)));
        const dfd = openSync(join(dir, 'new'), 'r');
        await viaPool(fsync, dfd);
        closeSync(dfd);
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

export interface DiskBaseline {
  readonly createMicros: number;
  readonly serialPerSecond: number;
  readonly concurrentPerSecond: number;
}

/** The three figures above, in `<dir>/create`, `<dir>/serial` and `<dir>/concurrent`. */
export async function diskBaseline(dir: string, writers: number, size: number): Promise<DiskBaseline> {
  const createMicros = createCostMicros(join(dir, 'create'));
  const serialPerSecond = await durableWritesPerSecond(join(dir, 'serial'), 1, 1000, size);
  const concurrentPerSecond = await durableWritesPerSecond(join(dir, 'concurrent'), writers, 4000, size);
  return { createMicros, serialPerSecond, concurrentPerSecond };
}

/**
 * Creates slower than this mean the directory's block group is full of recently freed inodes (see above): a
 * create normally costs 25-55 µs here, and an SMTP run whose directory measured 159 µs got 599 msgs/s against
 * 1,022-1,136 in the runs after it.
 */
export const SLOW_CREATE_MICROS = 100;

/** A note for the end of a benchmark's output when the directory was in that state, else undefined. */
export function slowCreateNote(disk: DiskBaseline | undefined): string | undefined {
  if (!disk || disk.createMicros < SLOW_CREATE_MICROS) return undefined;
  return (
    `note: creating a file cost ${Math.round(disk.createMicros)} µs here (about 40 µs normally): this directory's block group ` +
    'holds many recently deleted inodes (a benchmark or test run in the last minutes), so these figures measure ' +
    'the file system more than everlock; run again in a few minutes (docs/benchmarks.md).'
  );
}
