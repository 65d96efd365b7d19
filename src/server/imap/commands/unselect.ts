// RFC 3691 UNSELECT: deselects without expunging.
import { ok } from '../errors.js';
import { SELECTED, type CommandSpec } from './types.js';

export const unselect: CommandSpec = {
  name: 'UNSELECT',
  states: SELECTED,
  async run({ p, session }) {
    p.end();
    session.deselect();
    return ok('UNSELECT completed');
  },
};
