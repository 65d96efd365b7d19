// RFC 3501 §6.4.1 CHECK: a checkpoint; our writes are durable when they complete, so it is a NOOP.
import { ok } from '../errors.js';
import { SELECTED, type CommandSpec } from './types.js';

export const check: CommandSpec = {
  name: 'CHECK',
  states: SELECTED,
  syncFirst: true,
  async run({ p }) {
    p.end();
    return ok('CHECK completed');
  },
};
