// fsync/fdatasync of a raw descriptor as a promise. The delivery path opens, writes and closes small files
// synchronously (microseconds each) and sends only these calls, which wait for the disk, to the libuv pool.
import { fdatasync, fsync } from 'node:fs';

export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}
