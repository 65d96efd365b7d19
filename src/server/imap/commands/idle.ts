// RFC 2177 IDLE: "+ idling", then changes to the selected folder are pushed as they happen until "DONE".
// The session is suspended meanwhile rather than awaiting the line: an idle session holds no call frames,
// and its pushes come from the folder's shared change feed (session/folder-feed.ts).
import { bad, ok } from '../errors.js';
import { AUTH, type CommandSpec } from './types.js';

export const idle: CommandSpec = {
  name: 'IDLE',
  states: AUTH,
  syncFirst: true,
  async run({ p, session }) {
    p.end();
    session.sendLine('+ idling');
    session.idling = true;
    try {
      await session.sendUpdates(true);
      await session.flush();
    } catch (err) {
      session.idling = false;
      throw err;
    }
    return session.suspend((line) => {
      session.idling = false;
      if (line === null) return ok('IDLE terminated');
      if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('Expected DONE');
      return ok('IDLE terminated');
    });
  },
};
