import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRestSimulator, type RestSimulatorOptions } from '../../src/simulator/rest-server.js';
import {
  TokenEndpointError,
  createTokenProvider,
  parseRetryAfter,
  type TokenProvider,
  type TokenProviderOptions,
} from '../../src/upstream/token-provider.js';
import { serveOnLoopback } from '../helpers/servers.js';

const disposers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (disposers.length) await disposers.pop()?.();
});

/** A clock both the simulator and the provider read, moved by the test. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function startSim(options: RestSimulatorOptions = {}) {
  const sim = createRestSimulator({ eventIntervalMs: 0, ...options });
  const hits = { events: 0, token: 0 };
  const { base, close } = await serveOnLoopback((req, res) => {
    if (req.url?.startsWith('/v1/events')) hits.events += 1;
    if (req.url?.startsWith('/oauth/token')) hits.token += 1;
    return sim.handle(req, res);
  });
  disposers.push(async () => {
    sim.close();
    await close();
  });
  const grants = () => sim.controls.tokenRequests().map((r) => (r.ok ? r.grantType : `${r.grantType}:${r.code}`));
  return { sim, base, hits, grants };
}

function provider(base: string, options: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({ tokenUrl: `${base}/oauth/token`, clientId: 'sim-client', clientSecret: 'sim-secret', ...options });
  disposers.push(() => p.stop());
  return p;
}

/** What any REST caller does: one request, and after a 401 one renewal and one retry. */
async function getEvents(base: string, tokens: TokenProvider): Promise<number> {
  const call = async (token: string) => (await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${token}` } })).status;
  const token = await tokens.getToken();
  const status = await call(token);
  if (status !== 401) return status;
  tokens.invalidate(token);
  return call(await tokens.getToken());
}

describe('token provider', () => {
  it('starts with client_credentials, then rotates refresh tokens at 80% of the lifetime', async () => {
    const clock = manualClock();
    const t = await startSim({ now: clock.now, accessTokenTtlSec: 600 });
    const tokens = provider(t.base, { now: clock.now });
    const first = await tokens.getToken();
    clock.advance(300_000);
    expect(await tokens.getToken()).toBe(first);
    expect(t.grants()).toEqual(['client_credentials']);
    clock.advance(200_000);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(t.sim.isValidAccessToken(first)).toBe(true);
    clock.advance(490_000);
    const third = await tokens.getToken();
    expect(new Set([first, second, third]).size).toBe(3);
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token', 'refresh_token']);
    expect(await getEvents(t.base, tokens)).toBe(200);
  });

  it('runs one renewal at a time, shared by concurrent callers', async () => {
    const clock = manualClock();
    const t = await startSim({ now: clock.now });
    const tokens = provider(t.base, { now: clock.now });
    const initial = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));
    expect(new Set(initial).size).toBe(1);
    clock.advance(590_000);
    const renewed = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(initial[0]);
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token']);
  });

  it('after a 401 renews exactly once and each caller retries exactly once', async () => {
    const t = await startSim();
    const tokens = provider(t.base);
    expect(await getEvents(t.base, tokens)).toBe(200);
    t.sim.controls.expireAllAccessTokens();
    t.hits.events = 0;
    expect(await Promise.all([getEvents(t.base, tokens), getEvents(t.base, tokens), getEvents(t.base, tokens)])).toEqual([200, 200, 200]);
    expect(t.hits.events).toBe(6);
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token']);
    tokens.invalidate('a token that is no longer current');
    await tokens.getToken();
    expect(t.grants()).toHaveLength(2);
  });

  it('falls back to client_credentials when the refresh token is refused', async () => {
    const clock = manualClock();
    const t = await startSim({ now: clock.now, refreshTokenTtlSec: 60, accessTokenTtlSec: 600 });
    const tokens = provider(t.base, { now: clock.now });
    const first = await tokens.getToken();
    clock.advance(500_000);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token:refresh.token.invalid', 'client_credentials']);
  });

  it('retries 429 after Retry-After and 5xx with backoff, then succeeds', async () => {
    const t = await startSim();
    const sleeps: number[] = [];
    const tokens = provider(t.base, { random: () => 0.5, backoff: { initialMs: 100, maxMs: 1000 }, sleep: async (ms) => void sleeps.push(ms) });
    t.sim.controls.rateLimit(1, 3, 'token');
    await tokens.getToken();
    t.sim.controls.maintenance(2, 'token');
    tokens.invalidate(await tokens.getToken());
    await tokens.getToken();
    expect(sleeps).toEqual([3000, 50, 100]);
    expect(t.hits.token).toBe(5);
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token']);
  });

  it('gives up on refused credentials at once, with the upstream code', async () => {
    const t = await startSim();
    const tokens = provider(t.base, { clientSecret: 'wrong' });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, code: 'credentials.invalid', transient: false });
    expect(t.hits.token).toBe(1);
  });

  it('serves a fixed token without calling the endpoint', async () => {
    const t = await startSim();
    const tokens = createTokenProvider({ accessToken: 'fixed-token-123', tokenUrl: `${t.base}/oauth/token` });
    expect(await tokens.getToken()).toBe('fixed-token-123');
    tokens.invalidate('fixed-token-123');
    expect(await tokens.getToken()).toBe('fixed-token-123');
    expect(t.hits.token).toBe(0);
    tokens.stop();
    await expect(tokens.getToken()).rejects.toThrow('stopped');
    expect(() => createTokenProvider({ tokenUrl: `${t.base}/oauth/token` })).toThrow(/expected accessToken, or tokenUrl/);
  });

  it('never writes tokens or the client secret to the logs', async () => {
    const clock = manualClock();
    const t = await startSim({ now: clock.now, refreshTokenTtlSec: 900 });
    const stream = new PassThrough();
    let logged = '';
    stream.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const issued: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const body = (await res.clone().json()) as { access_token?: string; refresh_token?: string };
      if (body.access_token) issued.push(body.access_token, body.refresh_token ?? '');
      return res;
    };
    const logger = createLogger({ level: 'trace', destination: stream });
    const tokens = provider(t.base, { now: clock.now, logger, fetch: recordingFetch, sleep: async () => {}, random: () => 0 });
    await tokens.getToken();
    t.sim.controls.expireAllAccessTokens();
    expect(await getEvents(t.base, tokens)).toBe(200);
    clock.advance(500_000);
    t.sim.controls.maintenance(1, 'token');
    await tokens.getToken();
    clock.advance(1_000_000);
    await tokens.getToken();
    expect(t.grants()).toEqual(['client_credentials', 'refresh_token', 'refresh_token', 'refresh_token:refresh.token.invalid', 'client_credentials']);
    expect(issued).toHaveLength(8);
    expect(logged).toContain('access token obtained');
    expect(logged).toContain('retrying');
    for (const secret of [...issued, 'sim-secret']) expect(logged).not.toContain(secret);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
