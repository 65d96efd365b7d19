// RFC 2177 IDLE: "+ idling", then changes to the selected folder are pushed as they happen until "DONE".
// The session is suspended meanwhile rather than awaiting the line: an idle session holds no call frames,
// and its pushes come from the folder's shared change feed (session/folder-feed.ts).
import { bad, ok, type Completion } from '../errors.js';
import type { Session } from '../session/session.js';
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
    return session.suspend(done);
  },
};

/** The line after IDLE: DONE ends it (so does a closed connection); anything else is a protocol error. */
function done(line: Buffer | null, session: Session): Completion {
  session.idling = false;
  if (line === null) return ok('IDLE terminated');
  if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('Expected DONE');
  return ok('IDLE terminated');
}
