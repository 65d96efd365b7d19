// RFC 9051 §6.1.2 NOOP: reports pending changes of the selected folder (done by the dispatcher after sync).
import { ok } from '../errors.js';
import { ANY, type CommandSpec } from './types.js';

export const noop: CommandSpec = {
  name: 'NOOP',
  states: ANY,
  syncFirst: true,
  async run({ p }) {
    p.end();
    return ok('NOOP completed');
  },
};
