import type { JWTPayload } from 'jose';
import type { Config } from '../../src/config.js';
import { manualClock, type ManualClock } from './clock.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { makeKey, mint, serveJwks, type JwksServer, type TestKey } from './jwks.js';

export interface AuthGateway {
  gw: TestGateway;
  jwks: JwksServer;
  key: TestKey;
  clock: ManualClock;
  /** a token signed by the gateway's issuer, issued now on the test clock, living `ttl` seconds (default 600) */
  token(claims?: JWTPayload, ttl?: number): Promise<string>;
  /** a user token for `userId` (its `sub`) */
  user(userId: string, ttl?: number): Promise<string>;
  partner(subject?: string): Promise<string>;
  stop(): Promise<void>;
}

let sharedKey: Promise<TestKey> | null = null;

/** A gateway on the simulator that verifies client tokens against a JWKS on loopback, on a manual clock. */
export async function startAuthGateway(overrides: Partial<Config> = {}): Promise<AuthGateway> {
  const key = await (sharedKey ??= makeKey('RS256', 'gateway-test'));
  const jwks = await serveJwks([key.jwk]);
  const clock = manualClock();
  const gw = await startTestGateway(
    { authJwksUrl: jwks.url, authAnonymous: 'prices', eventsPageSize: 5, eventsPollIntervalMs: 10, ...overrides },
    { simulator: { rest: { eventIntervalMs: 0 } }, clientAuth: { now: clock.now, timers: clock.timers } },
  );
  const token = (claims: JWTPayload = {}, ttl = 600): Promise<string> => mint(key, claims, { iat: Math.floor(clock.now() / 1000), ttl });
  return {
    gw,
    jwks,
    key,
    clock,
    token,
    user: (userId, ttl) => token({ sub: userId }, ttl),
    partner: (subject = 'back-office') => token({ sub: subject, scope: 'openid notifications:all' }),
    async stop() {
      await gw.stop();
      await jwks.close();
    },
  };
}
