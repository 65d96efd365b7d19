// RFC 9051 §6.1.1 CAPABILITY
import { ok } from '../errors.js';
import { ANY, type CommandSpec } from './types.js';

export const capability: CommandSpec = {
  name: 'CAPABILITY',
  states: ANY,
  async run({ p, session }) {
    p.end();
    session.sendLine(`* CAPABILITY ${session.capabilityList().join(' ')}`);
    return ok('Capability completed');
  },
};
