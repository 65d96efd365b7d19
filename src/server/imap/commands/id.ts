// RFC 2971 ID ("(" field value ... ")" / NIL): the client's values go to the log, ours come back.
import { ok } from '../errors.js';
import { atom, str } from '../protocol/values.js';
import { ANY, type CommandSpec } from './types.js';

export const id: CommandSpec = {
  name: 'ID',
  states: ANY,
  async run({ p, session }) {
    p.sp();
    const client: Record<string, string | null> = {};
    if (!p.tryKeyword('NIL')) {
      const items = p.list(() => p.nstring());
      if (items.length % 2 !== 0 || items.length > 60) p.fail('Invalid ID parameter list');
      for (let i = 0; i < items.length; i += 2) {
        const key = items[i];
        if (key === null || key === undefined) return p.fail('ID field names cannot be NIL');
        client[key.toString('utf8').slice(0, 30)] = items[i + 1]?.toString('utf8').slice(0, 1024) ?? null;
      }
    }
    p.end();
    if (Object.keys(client).length) session.log.info('client id', { id: client });
    session.send([atom('ID'), [str('name'), str('everlock'), str('vendor'), str('everlock')]]);
    return ok('ID completed');
  },
};
