import type { JWTPayload } from 'jose';
import type { Config } from '../../src/config.js';
import type { Timers } from '../../src/server/auth/client-auth.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { makeKey, mint, serveJwks, type JwksServer, type TestKey } from './jwks.js';

/** A clock the test moves by hand; timers fire when it passes their time (no waits in tests). */
export interface ManualClock {
  now(): number;
  timers: Timers;
  /** moves the clock on and runs, in order, every timer now due */
  advance(ms: number): void;
  /** timers waiting */
  readonly pending: number;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  let nextId = 0;
  const waiting = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    timers: {
      setTimeout(callback, ms) {
        const id = ++nextId;
        waiting.set(id, { at: now + ms, callback });
        return id;
      },
      clearTimeout: (id) => void waiting.delete(id as number),
    },
    advance(ms) {
      now += ms;
      for (;;) {
        const due = [...waiting.entries()].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) return;
        waiting.delete(due[0]);
        due[1].callback();
      }
    },
    get pending() {
      return waiting.size;
    },
  };
}

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
