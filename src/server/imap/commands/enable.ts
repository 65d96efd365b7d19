// RFC 5161 ENABLE capability *(SP capability): CONDSTORE, QRESYNC (implies CONDSTORE), UTF8=ACCEPT.
import { ok } from '../errors.js';
import { activateCondstore } from './condstore.js';
import { AUTH, type CommandSpec } from './types.js';

const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT']);

export const enable: CommandSpec = {
  name: 'ENABLE',
  states: AUTH,
  async run({ p, session }) {
    const newly: string[] = [];
    p.sp();
    do {
      const cap = p.keyword();
      if (!ENABLEABLE.has(cap) || session.enabled.has(cap)) continue;
      session.enabled.add(cap);
      newly.push(cap);
      if (cap === 'QRESYNC' && !session.enabled.has('CONDSTORE')) {
        session.enabled.add('CONDSTORE');
        newly.push('CONDSTORE');
      }
    } while (p.trySp());
    p.end();
    if (session.enabled.has('CONDSTORE')) activateCondstore(session);
    session.sendLine(`* ENABLED${newly.map((c) => ' ' + c).join('')}`);
    return ok('Enabled');
  },
};
