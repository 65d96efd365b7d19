// RFC 5256 §2.1 base subject extraction, used by SORT SUBJECT and both THREAD algorithms. `isReply` is true
// when a reply/forward marker was removed (steps 2, 3 and 6), which REFERENCES threading needs.
import { decodeHeaderText } from '../../../mime/summarize.js';

export interface BaseSubject {
  /** The base subject, whitespace collapsed; compare it with compareCasemap. */
  readonly base: string;
  readonly isReply: boolean;
}

const TRAILER = /(?:\s|\(fwd\))+$/i;
const BLOB = /^\[[^[\]]*\]\s*/;
/** subj-leader: *subj-blob subj-refwd, where subj-refwd = ("re" / "fw" ["d"]) *WSP [subj-blob] ":" */
const REFWD = /^(?:\[[^[\]]*\]\s*)*(?:re|fwd?)\s*(?:\[[^[\]]*\]\s*)?:\s*/i;

export function baseSubject(rawSubject: string | null | undefined, alreadyDecoded = false): BaseSubject {
  let s = (alreadyDecoded ? (rawSubject ?? '') : decodeHeaderText(rawSubject)).replace(/\s+/g, ' ').trim();
  let isReply = false;
  for (;;) {
    // (2) trailers
    const trimmed = s.replace(TRAILER, '');
    if (trimmed !== s) {
      if (/\(fwd\)\s*$/i.test(s)) isReply = true;
      s = trimmed;
    }
    // (3)-(5) leaders and blobs, repeated
    for (;;) {
      const before = s;
      s = s.replace(/^\s+/, '');
      const leader = REFWD.exec(s);
      if (leader) {
        s = s.slice(leader[0].length);
        isReply = true;
      }
      const blob = BLOB.exec(s);
      if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // (6) [fwd: ...]
    const fwd = /^\[fwd:(.*)\]$/i.exec(s);
    if (fwd) {
      s = fwd[1]!;
      isReply = true;
      continue;
    }
    break;
  }
  return { base: s.trim(), isReply };
}

/** i;ascii-casemap: ASCII letters compare case-insensitively, everything else by code unit. */
export function casemap(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}
