// RFC 5256 SORT [SP "RETURN" ...] SP sort-criteria SP search-charset 1*(SP search-key); UID SORT.
import { isSearchCharset } from '../search/evaluate.js';
import { sortMessages } from '../search/sort.js';
import { no, ok } from '../errors.js';
import type { SortCriterion, SortKey } from '../protocol/ast.js';
import { atom } from '../protocol/values.js';
import { runSearch } from './search.js';
import { SELECTED, type CommandSpec } from './types.js';

const KEYS = new Set(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

export const sort: CommandSpec = {
  name: 'SORT',
  states: SELECTED,
  uid: true,
  holdsExpunges: true,
  syncFirst: true,
  async run({ p, session, uid }) {
    p.sp();
    const criteria: SortCriterion[] = [];
    p.char('(');
    let reverse = false;
    for (;;) {
      const k = p.keyword();
      if (k === 'REVERSE') {
        reverse = true;
      } else {
        if (!KEYS.has(k)) p.fail(`Unknown sort key ${k}`);
        criteria.push({ key: k as SortKey, reverse });
        reverse = false;
      }
      if (p.tryChar(')')) break;
      p.sp();
    }
    if (reverse || criteria.length === 0) p.fail('Invalid sort criteria');
    p.sp();
    const charset = p.astring();
    // The search program after the charset: reuse the SEARCH grammar without RETURN and CHARSET.
    const program = p.searchProgram(false);
    if (!isSearchCharset(charset)) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = session.selectedView();
    const seqs = await runSearch(session, program.key);
    const sorted = await sortMessages({ folder: view.folder, messages: view.messages }, criteria, seqs);
    session.send([atom('SORT'), ...(uid ? sorted.map((n) => view.messages[n - 1]!.uid) : sorted)]);
    return ok(`${uid ? 'UID ' : ''}SORT completed`);
  },
};
