import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('cluster configuration', () => {
  it('is embedded without REDIS_URL, with defaults for the key prefix and the lease', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: null, redisKeyPrefix: 'bitpanda-gateway:', clusterLeaseTtlMs: 5000 });
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379/2', REDIS_KEY_PREFIX: 'eu-1:', CLUSTER_LEASE_TTL_MS: '8000' })).toMatchObject({
      redisUrl: 'redis://10.0.0.5:6379/2',
      redisKeyPrefix: 'eu-1:',
      clusterLeaseTtlMs: 8000,
    });
  });

  it.each([
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL: expected a redis or rediss URL, got "http://127.0.0.1:6379"'],
    [{ REDIS_KEY_PREFIX: 'a b' }, 'REDIS_KEY_PREFIX: expected a Redis key prefix of at most 100 characters without spaces, got "a b"'],
    [{ CLUSTER_LEASE_TTL_MS: '100' }, 'CLUSTER_LEASE_TTL_MS: expected an integer from 500 to 600000, got "100"'],
  ])('refuses %o with one clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
