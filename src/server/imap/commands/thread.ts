// RFC 5256 THREAD thread-alg SP search-charset 1*(SP search-key); UID THREAD. Algorithms ORDEREDSUBJECT and
// REFERENCES, computed by ../search/thread.ts.
import { isSearchCharset } from '../search/evaluate.js';
import { formatThreads, mapThreadIds, threadMessages } from '../search/thread.js';
import { no, ok } from '../errors.js';
import { atom, Raw, type Value } from '../protocol/values.js';
import { runSearch } from './search.js';
import { SELECTED, type CommandSpec } from './types.js';

export const thread: CommandSpec = {
  name: 'THREAD',
  states: SELECTED,
  uid: true,
  holdsExpunges: true,
  syncFirst: true,
  async run({ p, session, uid }) {
    p.sp();
    const algorithm = p.keyword();
    if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') return p.fail(`Unknown threading algorithm ${algorithm}`);
    p.sp();
    const charset = p.astring();
    const program = p.searchProgram(false);
    if (!isSearchCharset(charset)) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = session.selectedView();
    const seqs = await runSearch(session, program.key);
    let threads = await threadMessages({ folder: view.folder, messages: view.messages }, algorithm, seqs);
    if (uid) threads = mapThreadIds(threads, (n) => view.messages[n - 1]!.uid);
    const line: Value[] = [atom('THREAD')];
    if (threads.length) line.push(new Raw(formatThreads(threads)));
    session.send(line);
    return ok(`${uid ? 'UID ' : ''}THREAD completed`);
  },
};
