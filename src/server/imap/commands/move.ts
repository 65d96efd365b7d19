// RFC 6851 MOVE sequence-set SP mailbox; UID MOVE. Sends `* OK [COPYUID ...]` untagged, then the EXPUNGEs.
import { readOnlyRefusal } from './guards.js';
import { copyAcross, transfer } from './copy.js';
import { SELECTED, type CommandSpec } from './types.js';

export const move: CommandSpec = {
  name: 'MOVE',
  states: SELECTED,
  uid: true,
  async run(ctx) {
    const view = ctx.session.selectedView();
    const refused = readOnlyRefusal(view);
    if (refused) return refused;
    const done = await transfer(ctx, async (session, uids, dest) => {
      if (dest.mailbox === session.user().personal) return view.folder.moveTo(uids, dest.folder);
      const result = await copyAcross(session, uids, dest);
      await view.folder.expunge(uids);
      return result;
    });
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges, the tagged OK carries none.
    if (done.status === 'OK' && done.code) {
      ctx.session.sendLine(`* OK [${done.code}] Moved`);
      return { status: 'OK', text: done.text };
    }
    return done;
  },
};
