// RFC 2342 NAMESPACE
import { ok } from '../errors.js';
import { namespaceValues } from '../namespaces.js';
import { AUTH, type CommandSpec } from './types.js';

export const namespace: CommandSpec = {
  name: 'NAMESPACE',
  states: AUTH,
  async run({ p, session }) {
    p.end();
    session.send(namespaceValues(session.user()));
    return ok('Namespace completed');
  },
};
