#!/usr/bin/env node
// Entry point of the `everlock` CLI. Commands are listed explicitly (dist/commands/index.js) so a cold
// start does not scan the file system; each command imports its heavy modules lazily inside run().
import module from 'node:module';

// Reuse V8's compiled code between runs: config commands must start in well under 300 ms.
module.enableCompileCache?.();

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
