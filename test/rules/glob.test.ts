import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/rules/glob.js';

describe('compileGlob', () => {
  const cases: [pattern: string, value: string, expected: boolean][] = [
    ['alice@example.com', 'alice@example.com', true],
    ['alice@example.com', 'ALICE@Example.COM', true],
    ['Alice@EXAMPLE.com', 'alice@example.com', true],
    ['alice@example.com', 'alice@example.com.evil', false],
    ['alice@example.com', 'xalice@example.com', false],
    ['*@example.com', 'bob@example.com', true],
    ['*@example.com', '@example.com', true],
    ['*@example.com', 'bob@example.org', false],
    ['*@*.example.com', 'bob@lists.example.com', true],
    ['*@*.example.com', 'bob@example.com', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['', '', true],
    ['', 'x', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a-b-b-c', true],
    ['a*b*c', 'a-b-c-d', false],
    ['news*', 'newsletter', true],
    ['*letter', 'newsletter', true],
    ['*sl*', 'newsletter', true],
    ['**', 'x', true],
    ['a?c', 'abc', false], // `?` is literal
    ['a?c', 'a?c', true],
    ['a.c', 'abc', false], // `.` is literal, not a RegExp dot
    ['[a]', '[a]', true],
    ['a*a', 'a', false], // prefix and suffix may not overlap
    ['a*a', 'aa', true],
    ['ab*ba', 'aba', false],
    ['*ab*ab*', 'abab', true],
    ['*ab*ab', 'aab', false],
    ['x*ab*ab*y', 'xab-abab-y', true],
    ['*.example', 'shop.example', true],
    ['*.example', 'example', false],
  ];
  it.each(cases)('%j ~ %j -> %s', (pattern, value, expected) => {
    expect(compileGlob(pattern)(value)).toBe(expected);
  });

  it('stays fast on patterns that make backtracking RegExps explode', () => {
    const pattern = '*a*a*a*a*a*a*a*a*a*a*b';
    const value = 'a'.repeat(5000);
    const started = performance.now();
    expect(compileGlob(pattern)(value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
