import { describe, expect, it } from 'vitest';
import { insecureAuthPolicy, isLoopback } from '../../src/server/insecure-auth.js';

describe('insecure auth policy', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.3.4.5', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:192.0.2.1', false],
    ['2001:db8::1', false],
    ['', false],
  ])('%s is loopback: %s', (ip, expected) => {
    expect(isLoopback(ip)).toBe(expected);
  });

  it('--dev allows only loopback peers; allow_insecure_auth allows all; neither allows none', () => {
    expect(insecureAuthPolicy(false, true)('127.0.0.1')).toBe(true);
    expect(insecureAuthPolicy(false, true)('192.0.2.7')).toBe(false);
    expect(insecureAuthPolicy(true, false)('192.0.2.7')).toBe(true);
    expect(insecureAuthPolicy(false, false)('127.0.0.1')).toBe(false);
  });
});
