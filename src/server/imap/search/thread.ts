// RFC 5256 THREAD: ORDEREDSUBJECT and REFERENCES (the JWZ algorithm of §3, steps 1-6), over the sequence
// numbers a SEARCH selected. The result is a forest of message numbers; formatThreads writes the RFC's
// `(1 2)(3 (4)(5))` form, where a chain of only children is flattened and siblings are nested lists.
import type { MessageInfo } from '../../../maildir/types.js';
import type { MessageSummary } from '../../../mime/types.js';
import type { ThreadAlgorithm } from '../protocol/ast.js';
import { baseSubject, casemap } from './base-subject.js';
import { sentDateOf, type SortContext } from './sort.js';
import { readHeaderFields } from './message-text.js';

export interface ThreadNode {
  /** Sequence number (or UID after mapping), null for a dummy that only joins its children. */
  readonly id: number | null;
  readonly children: readonly ThreadNode[];
}

interface Msg {
  readonly seq: number;
  readonly info: MessageInfo;
  readonly summary: MessageSummary;
  readonly date: number;
  readonly subject: string;
  readonly isReply: boolean;
}

interface Container {
  msg: Msg | null;
  parent: Container | null;
  children: Container[];
}

const MSGID = /<[^<>\s]*>/g;

function msgIds(value: string | null | undefined): string[] {
  return value ? (value.match(MSGID) ?? []).map((id) => id.toLowerCase()) : [];
}

function orderedSubject(msgs: Msg[]): ThreadNode[] {
  const sorted = [...msgs].sort((a, b) => casemapCompare(a.subject, b.subject) || a.date - b.date || a.seq - b.seq);
  const groups: Msg[][] = [];
  for (const m of sorted) {
    const last = groups[groups.length - 1];
    if (last && casemap(last[0]!.subject) === casemap(m.subject)) last.push(m);
    else groups.push([m]);
  }
  groups.sort((a, b) => a[0]!.date - b[0]!.date || a[0]!.seq - b[0]!.seq);
  return groups.map((g) => ({ id: g[0]!.seq, children: g.slice(1).map((m) => ({ id: m.seq, children: [] })) }));
}

function casemapCompare(a: string, b: string): number {
  const x = casemap(a);
  const y = casemap(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isAncestor(maybeAncestor: Container, c: Container): boolean {
  for (let p: Container | null = c; p; p = p.parent) if (p === maybeAncestor) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  if (child.parent) child.parent.children = child.parent.children.filter((x) => x !== child);
  child.parent = parent;
  parent.children.push(child);
}

/** The date a container sorts by: its message's, or (dummy) that of its first child after sorting. */
function containerDate(c: Container): [number, number] {
  if (c.msg) return [c.msg.date, c.msg.seq];
  const first = c.children[0];
  return first ? containerDate(first) : [0, 0];
}

function sortByDate(list: Container[]): void {
  for (const c of list) sortByDate(c.children);
  list.sort((a, b) => {
    const [da, sa] = containerDate(a);
    const [db, sb] = containerDate(b);
    return da - db || sa - sb;
  });
}

async function references(ctx: SortContext, msgs: Msg[]): Promise<ThreadNode[]> {
  const table = new Map<string, Container>();
  const get = (id: string): Container => {
    let c = table.get(id);
    if (!c) {
      c = { msg: null, parent: null, children: [] };
      table.set(id, c);
    }
    return c;
  };
  let unique = 0;
  for (const m of msgs) {
    // (1) the message's own container; missing or duplicate Message-IDs get a unique one
    let id = msgIds(m.summary.messageId)[0];
    if (id === undefined || table.get(id)?.msg) id = `\0unique-${unique++}`;
    const own = get(id);
    own.msg = m;
    // (1A) link the References chain; (1B) parent is the last reference
    const refsRaw = m.summary.references !== undefined ? m.summary.references : await referencesHeader(ctx, m);
    let refs = msgIds(refsRaw);
    if (refs.length === 0) refs = msgIds(m.summary.envelope.inReplyTo).slice(0, 1);
    let prev: Container | null = null;
    for (const r of refs) {
      const c = get(r);
      if (prev && !c.parent && c !== prev && !isAncestor(c, prev)) link(prev, c);
      prev = c;
    }
    if (own.parent) own.parent.children = own.parent.children.filter((x) => x !== own);
    own.parent = null;
    if (prev && prev !== own && !isAncestor(own, prev)) link(prev, own);
  }
  // (2) root set; (4) prune dummies
  const prune = (list: Container[], atRoot: boolean): Container[] => {
    const out: Container[] = [];
    for (const c of list) {
      c.children = prune(c.children, false);
      for (const ch of c.children) ch.parent = c;
      if (c.msg) out.push(c);
      else if (c.children.length === 0) continue;
      else if (atRoot && c.children.length > 1) out.push(c);
      else out.push(...c.children);
    }
    return out;
  };
  let roots = prune(
    [...table.values()].filter((c) => c.parent === null),
    true,
  );
  for (const r of roots) r.parent = null;
  // (5) sort the root set by date
  sortByDate(roots);
  // (6) merge threads with the same base subject
  const subjectOf = (c: Container): Msg | null => c.msg ?? c.children[0]?.msg ?? null;
  const subjects = new Map<string, Container>();
  for (const c of roots) {
    const m = subjectOf(c);
    if (!m || m.subject === '') continue;
    const key = casemap(m.subject);
    const old = subjects.get(key);
    if (!old || (!c.msg && old.msg) || (old.msg && old.msg.isReply && c.msg && !c.msg.isReply)) subjects.set(key, c);
  }
  const merged: Container[] = [];
  const removed = new Set<Container>();
  for (const c of roots) {
    const m = subjectOf(c);
    const target = m && m.subject !== '' ? subjects.get(casemap(m.subject)) : undefined;
    if (!target || target === c) {
      merged.push(c);
      continue;
    }
    removed.add(c);
    if (!target.msg && !c.msg) for (const ch of c.children) link(target, ch);
    else if (!target.msg) link(target, c);
    else if (!c.msg) {
      // the other is a dummy: it takes over the position of the table entry
      const copy: Container = { msg: target.msg, parent: null, children: target.children };
      for (const ch of copy.children) ch.parent = copy;
      target.msg = null;
      target.children = [];
      for (const ch of c.children) link(target, ch);
      link(target, copy);
    } else if (!target.msg.isReply && c.msg.isReply) link(target, c);
    else {
      const copy: Container = { msg: target.msg, parent: null, children: target.children };
      for (const ch of copy.children) ch.parent = copy;
      target.msg = null;
      target.children = [];
      link(target, copy);
      link(target, c);
    }
  }
  roots = merged.filter((c) => !removed.has(c));
  // (7) sort every level by date once more
  sortByDate(roots);
  const toNode = (c: Container): ThreadNode => ({ id: c.msg ? c.msg.seq : null, children: c.children.map(toNode) });
  return roots.map(toNode);
}

async function referencesHeader(ctx: SortContext, m: Msg): Promise<string | null> {
  const fields = await readHeaderFields(ctx.folder, m.info.uid, m.summary);
  return fields.find((f) => f.name === 'references')?.value ?? null;
}

/** Threads the given sequence numbers; node ids are sequence numbers. */
export async function threadMessages(ctx: SortContext, algorithm: ThreadAlgorithm, seqs: readonly number[]): Promise<ThreadNode[]> {
  const msgs: Msg[] = [];
  for (const seq of seqs) {
    const info = ctx.messages[seq - 1];
    if (!info) continue;
    const summary = await ctx.folder.summary(info.uid);
    const bs = baseSubject(summary.decodedSubject, true);
    msgs.push({ seq, info, summary, date: sentDateOf(info, summary), subject: bs.base, isReply: bs.isReply });
  }
  return algorithm === 'ORDEREDSUBJECT' ? orderedSubject(msgs) : references(ctx, msgs);
}

/** Replaces node ids (e.g. sequence numbers by UIDs for UID THREAD). */
export function mapThreadIds(nodes: readonly ThreadNode[], map: (id: number) => number): ThreadNode[] {
  return nodes.map((n) => ({ id: n.id === null ? null : map(n.id), children: mapThreadIds(n.children, map) }));
}

/** The inside of one thread-list: a chain of only children flattened, then siblings as nested lists. */
function formatNode(n: ThreadNode): string {
  const ids: number[] = [];
  let cur = n;
  while (cur.id !== null) {
    ids.push(cur.id);
    if (cur.children.length !== 1) break;
    cur = cur.children[0]!;
  }
  const nested = cur.children.map((c) => `(${formatNode(c)})`).join('');
  return [ids.join(' '), nested].filter((x) => x !== '').join(' ');
}

/** The THREAD response data (after `* THREAD `): numbers only, so safe as a Raw value. */
export function formatThreads(nodes: readonly ThreadNode[]): string {
  return nodes.map((n) => `(${formatNode(n)})`).join('');
}
