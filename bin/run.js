#!/usr/bin/env node
// Entry point of the `everlock` CLI. Commands are listed explicitly (dist/commands/index.js) so a cold
// start does not scan the file system; each command imports its heavy modules lazily inside run().
import module from 'node:module';

// Durable mail delivery parks a libuv pool thread in fsync for the disk's latency; with the default four
// threads, a few concurrent deliveries queue their fsyncs behind each other and every other file read of the
// server waits behind them. Eight lets concurrent deliveries share journal commits. libuv reads this when
// the pool starts, on the first asynchronous file or crypto call, which is after this line. (Password
// verification takes at most half the pool, at 128 MiB each: see src/config/passwords.ts.)
process.env.UV_THREADPOOL_SIZE ??= '8';

// Reuse V8's compiled code between runs: config commands must start in well under 300 ms.
module.enableCompileCache?.();

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
