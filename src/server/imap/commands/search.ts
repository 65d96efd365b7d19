// RFC 9051 §6.4.4 SEARCH [SP "RETURN" SP "(" ... ")"] [SP "CHARSET" SP astring] 1*(SP search-key); UID SEARCH.
// RETURN gives ESEARCH (RFC 4731: MIN MAX COUNT ALL) and SAVE (RFC 5182 `$`); MODSEQ keys add
// `(MODSEQ n)` (RFC 7162 §3.1.5). Once IMAP4rev2 is enabled a plain SEARCH is answered with ESEARCH too, as
// RETURN () would be (RFC 9051 §6.4.4, §7.3.4). Key evaluation lives in ../search/evaluate.ts.
import { isSearchCharset, searchMessages } from '../search/evaluate.js';
import { no, ok } from '../errors.js';
import type { SearchKey, SearchReturnOption } from '../protocol/ast.js';
import { atom, Raw, str, type Value } from '../protocol/values.js';
import { formatUidSet } from '../session/sequence.js';
import type { Session } from '../session/session.js';
import { activateCondstore } from './condstore.js';
import { SELECTED, type CommandSpec } from './types.js';

export function usesModseq(k: SearchKey): boolean {
  switch (k.kind) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(k.key);
    case 'or':
      return usesModseq(k.left) || usesModseq(k.right);
    case 'and':
      return k.keys.some(usesModseq);
    default:
      return false;
  }
}

/** Runs a search over the selected view; returns sequence numbers, ascending. */
export async function runSearch(session: Session, key: SearchKey): Promise<number[]> {
  const view = session.selectedView();
  return searchMessages(
    { folder: view.folder, messages: view.messages, isRecent: (u) => view.recent.has(u), saved: new Set(view.savedResult) },
    key,
  );
}

/** `* ESEARCH (TAG "a1") [UID] MIN .. MAX .. COUNT .. ALL ..` (RFC 4731 §3.1). */
export function esearchResponse(tag: string, uid: boolean, results: readonly number[], options: readonly SearchReturnOption[], modseq?: number): Value[] {
  const wanted = options.filter((o) => o !== 'SAVE');
  const opts = options.length === 0 ? ['ALL'] : wanted;
  const out: Value[] = [atom('ESEARCH'), [atom('TAG'), str(tag)]];
  if (uid) out.push(atom('UID'));
  if (results.length > 0) {
    if (opts.includes('MIN')) out.push(atom('MIN'), Math.min(...results.slice(0, 1)));
    if (opts.includes('MAX')) out.push(atom('MAX'), results[results.length - 1]!);
  }
  if (opts.includes('COUNT')) out.push(atom('COUNT'), results.length);
  if (opts.includes('ALL') && results.length > 0) out.push(atom('ALL'), new Raw(formatUidSet(results)));
  if (modseq !== undefined && results.length > 0) out.push(atom('MODSEQ'), modseq);
  return out;
}

/**
 * What `RETURN (SAVE ...)` keeps in `$` (RFC 5182 §2.4): with MIN and/or MAX but neither ALL nor COUNT,
 * only the messages those return; otherwise every match.
 */
export function savedPart(seqs: readonly number[], ret: readonly SearchReturnOption[]): readonly number[] {
  if (seqs.length === 0 || ret.includes('ALL') || ret.includes('COUNT')) return seqs;
  const min = ret.includes('MIN');
  const max = ret.includes('MAX');
  if (!min && !max) return seqs;
  const out = new Set<number>();
  if (min) out.add(seqs[0]!);
  if (max) out.add(seqs[seqs.length - 1]!);
  return [...out].sort((a, b) => a - b);
}

export const search: CommandSpec = {
  name: 'SEARCH',
  states: SELECTED,
  uid: true,
  holdsExpunges: true,
  syncFirst: true,
  async run({ p, session, uid, tag }) {
    const program = p.searchProgram(true);
    if (!isSearchCharset(program.charset)) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = session.selectedView();
    const seqs = await runSearch(session, program.key);
    const modseqWanted = usesModseq(program.key);
    if (modseqWanted) activateCondstore(session);
    const results = uid ? seqs.map((n) => view.messages[n - 1]!.uid) : seqs;
    const highest = modseqWanted && seqs.length ? Math.max(...seqs.map((n) => view.messages[n - 1]!.modseq)) : undefined;
    const ret = program.returnOptions;
    if (ret?.includes('SAVE')) view.savedResult = savedPart(seqs, ret).map((n) => view.messages[n - 1]!.uid);
    if (ret === undefined && session.isEnabled('IMAP4rev2')) {
      session.send(esearchResponse(tag, uid, results, [], highest));
    } else if (ret === undefined) {
      const line: Value[] = [atom('SEARCH'), ...results];
      if (highest !== undefined) line.push([atom('MODSEQ'), highest]);
      session.send(line);
    } else if (!(ret.length === 1 && ret[0] === 'SAVE')) {
      session.send(esearchResponse(tag, uid, results, ret, highest));
    }
    return ok(`${uid ? 'UID ' : ''}SEARCH completed`);
  },
};
