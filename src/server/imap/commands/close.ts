// RFC 9051 §6.4.1 CLOSE: silently expunges \Deleted messages (unless read-only), then deselects.
import { ok } from '../errors.js';
import { expungeDeleted } from './expunge.js';
import { SELECTED, type CommandSpec } from './types.js';

export const close: CommandSpec = {
  name: 'CLOSE',
  states: SELECTED,
  async run({ p, session }) {
    p.end();
    const view = session.selectedView();
    if (!view.readOnly) {
      await view.folder.sync();
      await expungeDeleted(session);
    }
    session.deselect();
    return ok('CLOSE completed');
  },
};
