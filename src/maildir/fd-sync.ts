// The delivery path's calls that go to the libuv pool, on raw descriptors and without FileHandle objects: the
// create of a message file (which can cost a millisecond of allocator work on a busy file system) and the
// fsync/fdatasync calls that wait for the disk. Writes, fstat and close of small files stay synchronous.
import { fdatasync, fsync, open } from 'node:fs';

/** open(2) in the pool: a raw descriptor. */
export function openFd(path: string, flags: string, mode: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}
