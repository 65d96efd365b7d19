import type { SPFResult } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { createAuthMemo, TimedMemo } from '../../src/server/smtp/auth-memo.js';

describe('TimedMemo', () => {
  it('shares one evaluation between concurrent callers and keeps it for ttlMs only', async () => {
    let clock = 1000;
    const memo = new TimedMemo<number>({ ttlMs: 50, maxEntries: 10, now: () => clock }, () => true);
    let runs = 0;
    const compute = async (): Promise<number> => ++runs;
    const [a, b] = await Promise.all([memo.get('k', compute), memo.get('k', compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    clock += 49;
    expect(await memo.get('k', compute)).toBe(1);
    clock += 1;
    expect(await memo.get('k', compute)).toBe(2);
  });

  it('forgets a value it must not keep, and a failed evaluation', async () => {
    const memo = new TimedMemo<number>({ ttlMs: 60_000, maxEntries: 10 }, (v) => v > 0);
    let next = 0;
    expect(await memo.get('k', async () => next++)).toBe(0);
    expect(await memo.get('k', async () => next++)).toBe(1);
    await expect(memo.get('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await memo.get('x', async () => 7)).toBe(7);
  });

  it('holds at most maxEntries keys, dropping the oldest', async () => {
    const memo = new TimedMemo<string>({ ttlMs: 60_000, maxEntries: 2 }, () => true);
    for (const k of ['a', 'b', 'c']) await memo.get(k, async () => k);
    expect(memo.size).toBe(2);
    expect(await memo.get('a', async () => 'a again')).toBe('a again');
    expect(await memo.get('c', async () => 'c again')).toBe('c');
  });
});

describe('createAuthMemo', () => {
  it('does not keep an SPF temperror (a DNS failure) or a failed check', async () => {
    const memo = createAuthMemo();
    const spf = (result: string): SPFResult => ({ status: { result }, info: `spf=${result}` }) as unknown as SPFResult;
    expect((await memo.spf.get('k', async () => spf('temperror')))?.status.result).toBe('temperror');
    expect((await memo.spf.get('k', async () => spf('pass')))?.status.result).toBe('pass');
    expect((await memo.spf.get('k', async () => spf('fail')))?.status.result).toBe('pass');
    expect(await memo.spf.get('u', async () => undefined)).toBeUndefined();
    expect((await memo.spf.get('u', async () => spf('none')))?.status.result).toBe('none');
  });
});
