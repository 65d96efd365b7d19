import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../src/config/paths.js';

describe('resolvePaths', () => {
  it('defaults to ./everlock-mail for both config and data', () => {
    expect(resolvePaths({}, {}, '/srv')).toEqual({ config: '/srv/everlock-mail', data: '/srv/everlock-mail' });
  });
  it('lets flags beat env vars and split config from data', () => {
    const env = { EVERLOCK_HOME: '/env-home', EVERLOCK_DATA: '/env-data' };
    expect(resolvePaths({ config: '/etc/everlock' }, env, '/srv')).toEqual({ config: '/etc/everlock', data: '/env-data' });
    expect(resolvePaths({ home: 'h' }, env, '/srv')).toEqual({ config: '/srv/h', data: '/env-data' });
  });
});
