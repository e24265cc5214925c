import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const REAL = { BITPANDA_WS_URL: 'wss://stream.example/ws', BITPANDA_API_URL: 'https://api.example' };

describe('client authentication settings', () => {
  it('default to anonymous `all` on the built-in simulator only, `prices` on a real upstream, no tokens, no cap', () => {
    expect(loadConfig({})).toMatchObject({
      authJwksUrl: null,
      authIssuer: null,
      authAudience: null,
      authUserClaim: 'sub',
      authPartnerScope: 'notifications:all',
      authAnonymous: 'all',
      maxConnectionsPerClient: 0,
    });
    expect(loadConfig(REAL).authAnonymous).toBe('prices');
    // real events with simulated prices are real users' events
    expect(loadConfig({ BITPANDA_API_URL: REAL.BITPANDA_API_URL }).authAnonymous).toBe('prices');
    expect(loadConfig({ ...REAL, AUTH_ANONYMOUS: 'none' }).authAnonymous).toBe('none');
    expect(loadConfig({ AUTH_ANONYMOUS: 'prices' }).authAnonymous).toBe('prices');
  });

  it('reads every variable, and reports the bad ones at once', () => {
    const env = {
      AUTH_JWKS_URL: 'file:./keys/jwks.json',
      AUTH_ISSUER: 'https://id.example',
      AUTH_AUDIENCE: 'gateway',
      AUTH_USER_CLAIM: 'bitpanda_user_id',
      AUTH_PARTNER_SCOPE: 'backoffice',
      MAX_CONNECTIONS_PER_CLIENT: '5',
    };
    expect(loadConfig(env)).toMatchObject({
      authJwksUrl: 'file:./keys/jwks.json',
      authIssuer: 'https://id.example',
      authAudience: 'gateway',
      authUserClaim: 'bitpanda_user_id',
      authPartnerScope: 'backoffice',
      maxConnectionsPerClient: 5,
    });
    let error: unknown;
    try {
      loadConfig({ AUTH_JWKS_URL: 'ftp://keys.example/jwks', AUTH_ANONYMOUS: 'some', AUTH_PARTNER_SCOPE: 'a b', MAX_CONNECTIONS_PER_CLIENT: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['AUTH_ANONYMOUS', 'AUTH_JWKS_URL', 'AUTH_PARTNER_SCOPE', 'MAX_CONNECTIONS_PER_CLIENT']);
    expect(() => loadConfig({ AUTH_ISSUER: 'https://id.example' })).toThrow('AUTH_ISSUER: expected to be unset when AUTH_JWKS_URL is unset');
  });
});
