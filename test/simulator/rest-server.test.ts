import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_EVENT_TYPES } from '../../src/simulator/events-catalogue.js';
import { createRestSimulator, type RestSimulatorOptions } from '../../src/simulator/rest-server.js';
import type { Timers } from '../../src/timers.js';
import { manualClock } from '../helpers/clock.js';
import { serveOnLoopback } from '../helpers/servers.js';

const disposers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (disposers.length) await disposers.pop()?.();
});

function seeded(seed = 42): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function startSim(options: RestSimulatorOptions = {}) {
  const sim = createRestSimulator({ eventIntervalMs: 0, random: seeded(), ...options });
  const { base, close } = await serveOnLoopback((req, res) => sim.handle(req, res));
  disposers.push(async () => {
    sim.close();
    await close();
  });
  const token = async (fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') => {
    const body = contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
    const res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const issue = async () => (await token({ grant_type: 'client_credentials', client_id: 'sim-client', client_secret: 'sim-secret' })).body;
  const bearer = (await issue()).access_token as string;
  const get = async (path: string, auth: string | null = bearer) => {
    const res = await fetch(`${base}${path}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const control = async (name: string, body?: unknown) => {
    const res = await fetch(`${base}/__sim/rest/${name}`, { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { sim, base, token, issue, get, control, bearer };
}

const SEED_PAYLOAD = {
  id: '1ed9020e-35f5-62ac-b802-369ecc33bc49',
  time: '2023-01-09T14:26:33+01:00',
  type: 'dividend',
  ca_id: '1ed901d6-4c21-6676-86e7-e6645454d14d',
  fiat_id: 1,
  asset_id: 397,
  fiat_symbol: 'EUR',
  asset_amount: '0.18876873',
  asset_symbol: 'BAYN',
  user_id: '1ed7aabf-3bfb-6bb2-8821-8626d6ed9c94',
};
const ERROR_SHAPE = { errors: [{ code: expect.any(String), title: expect.any(String) }] };
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('GET /v1/events', () => {
  it('answers with the documented page shape', async () => {
    const t = await startSim({ now: () => Date.parse('2024-02-20T08:14:20.345Z') });
    const event = t.sim.controls.addEvent('user.corporate-action', SEED_PAYLOAD);
    const { status, body } = await t.get('/v1/events?size=10');
    expect(status).toBe(200);
    expect(body).toEqual({
      data: [{ id: event.id, type: 'user.corporate-action', payload: JSON.stringify(SEED_PAYLOAD), created_at: '2024-02-20T08:14:20+00:00' }],
      meta: { size: 10 },
      links: { self: '/v1/events?size=10', next: `/v1/events?size=10&after_id=${event.id}` },
    });
    expect(Object.keys(body)).toEqual(['data', 'meta', 'links']);
    expect(Object.keys(body.data[0])).toEqual(['id', 'type', 'payload', 'created_at']);
    expect(event.id).toMatch(V7);
  });

  it('pages with after_id and links.next, in time order, then answers an empty page', async () => {
    const t = await startSim({ now: () => 1_700_000_000_000 });
    const added = t.sim.controls.addEvents(25);
    const seen: string[] = [];
    const sizes: number[] = [];
    let path: string | null = '/v1/events?size=10';
    while (path) {
      const { body }: { body: any } = await t.get(path);
      sizes.push(body.data.length);
      seen.push(...body.data.map((e: { id: string }) => e.id));
      if (body.data.length > 0) expect(body.links.next).toBe(`/v1/events?size=10&after_id=${body.data.at(-1).id}`);
      else expect(body.links.next).toBeNull();
      path = body.links.next;
    }
    expect(sizes).toEqual([10, 10, 5, 0]);
    expect(seen).toEqual(added.map((e) => e.id));
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(25);
  });

  it('filters by type and keeps the type in both links', async () => {
    const t = await startSim();
    const added = t.sim.controls.addEvents(SIMULATED_EVENT_TYPES.length * 2);
    const { body } = await t.get('/v1/events?size=10&type=user.update');
    const expected = added.filter((e) => e.type === 'user.update').map((e) => e.id);
    expect(body.data.map((e: { id: string }) => e.id)).toEqual(expected);
    expect(expected).toHaveLength(2);
    expect(body.links).toEqual({
      self: '/v1/events?size=10&type=user.update',
      next: `/v1/events?size=10&after_id=${expected[1]}&type=user.update`,
    });
    const after = await t.get(`/v1/events?size=10&after_id=${expected[0]}&type=user.update`);
    expect(after.body.data.map((e: { id: string }) => e.id)).toEqual([expected[1]]);
  });

  it('generates every documented type with payloads shaped like the docs', async () => {
    const t = await startSim();
    const events = t.sim.controls.addEvents(SIMULATED_EVENT_TYPES.length * 20);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(SIMULATED_EVENT_TYPES));
    const payloads = (type: string) => events.filter((e) => e.type === type).map((e) => JSON.parse(e.payload) as Record<string, any>);
    const corporate = payloads('user.corporate-action')[0]!;
    expect(Object.keys(corporate)).toEqual(Object.keys(SEED_PAYLOAD));
    expect(typeof corporate.asset_id).toBe('number');
    expect(corporate.asset_amount).toMatch(/^\d+\.\d{8}$/);
    expect(Number.isInteger(payloads('user.update')[0]!.timestamp)).toBe(true);
    const trade = payloads('user.savings-plan-trade-notification').map((p) => p.savings_plan_transaction_status);
    expect(new Set(trade)).toEqual(new Set(['finished', 'not_confirmed']));
    const action = payloads('user.crypto-action')[0]!;
    expect(action.transactions).toHaveLength(2);
    expect(Object.keys(action.transactions[0])).toContain('fee_amount');
    expect(payloads('user.automated-order')[0]!.asset_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses unknown and malformed cursors and bad sizes, and clamps large sizes', async () => {
    const t = await startSim({ maxPageSize: 20 });
    t.sim.controls.addEvents(3);
    const unknown = await t.get('/v1/events?after_id=01890000-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: [{ code: 'event.not.found', title: expect.any(String) }] });
    expect((await t.get('/v1/events?after_id=nope')).status).toBe(422);
    expect((await t.get('/v1/events?size=0')).body.errors[0].code).toBe('size.invalid');
    expect((await t.get('/v1/events?size=500')).body.meta).toEqual({ size: 20 });
  });

  it('requires a valid, unexpired bearer token', async () => {
    const t = await startSim();
    const missing = await t.get('/v1/events', null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ errors: [{ code: 'token.missing', title: expect.any(String) }] });
    expect((await t.get('/v1/events', 'forged')).body.errors[0].code).toBe('token.invalid');
    expect(t.sim.isValidAccessToken(t.bearer)).toBe(true);
    t.sim.controls.expireAllAccessTokens();
    expect(t.sim.isValidAccessToken(t.bearer)).toBe(false);
    expect((await t.get('/v1/events')).body.errors[0].code).toBe('token.expired');
  });
});

describe('POST /oauth/token', () => {
  it('issues a pair for client credentials, as form or JSON', async () => {
    const t = await startSim();
    const form = await t.token({ grant_type: 'client_credentials', client_id: 'sim-client', client_secret: 'sim-secret' });
    expect(form).toEqual({
      status: 200,
      body: { access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 600, token_type: 'Bearer' },
    });
    const json = await t.token({ grant_type: 'client_credentials', client_id: 'sim-client', client_secret: 'sim-secret' }, 'application/json');
    expect(json.status).toBe(200);
    expect(json.body.access_token).not.toBe(form.body.access_token);
  });

  it('rotates refresh tokens, rejects reuse, keeps old access tokens until expiry', async () => {
    const t = await startSim();
    const first = await t.issue();
    const refreshed = await t.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'sim-client' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect(t.sim.isValidAccessToken(first.access_token)).toBe(true);
    expect(t.sim.isValidAccessToken(refreshed.body.access_token)).toBe(true);
    const reuse = await t.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'sim-client' });
    expect(reuse).toEqual({ status: 400, body: { errors: [{ code: 'refresh.token.invalid', title: expect.any(String) }] } });
    const unknown = await t.token({ grant_type: 'refresh_token', refresh_token: 'never-issued', client_id: 'sim-client' });
    expect(unknown.body.errors[0].code).toBe('refresh.token.unknown');
    const next = await t.token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, client_id: 'sim-client' });
    expect(next.status).toBe(200);
    expect(t.sim.controls.tokenRequests().map((r) => [r.grantType, r.ok, r.code])).toEqual([
      ['client_credentials', true, undefined],
      ['client_credentials', true, undefined],
      ['refresh_token', true, undefined],
      ['refresh_token', false, 'refresh.token.invalid'],
      ['refresh_token', false, 'refresh.token.unknown'],
      ['refresh_token', true, undefined],
    ]);
  });

  it('answers the documented error codes', async () => {
    const t = await startSim();
    const wrong = await t.token({ grant_type: 'client_credentials', client_id: 'sim-client', client_secret: 'nope' });
    expect(wrong).toEqual({ status: 401, body: { errors: [{ code: 'credentials.invalid', title: expect.any(String) }] } });
    const type = await t.token({ grant_type: 'client_credentials' }, 'text/plain');
    expect(type).toEqual({ status: 415, body: { errors: [{ code: 'header.content.type', title: expect.any(String) }] } });
    const missing = await t.token({ grant_type: 'client_credentials', client_id: 'sim-client' });
    expect(missing).toEqual({ status: 400, body: { errors: [{ code: 'http.bad.request', title: expect.any(String) }] } });
    expect((await t.token({ grant_type: 'password' })).body.errors[0].code).toBe('http.bad.request');
  });
});

describe('fault controls', () => {
  it('rateLimit answers 429 with Retry-After for the next N requests in scope', async () => {
    const t = await startSim();
    t.sim.controls.rateLimit(2, 7, 'events');
    expect((await t.issue()).access_token).toEqual(expect.any(String));
    const first = await t.get('/v1/events');
    expect([first.status, first.headers.get('retry-after'), first.body]).toEqual([429, '7', ERROR_SHAPE]);
    expect((await t.get('/v1/events')).status).toBe(429);
    expect((await t.get('/v1/events')).status).toBe(200);
  });

  it('maintenance answers 503 with the error shape', async () => {
    const t = await startSim();
    t.sim.controls.maintenance(1);
    expect(await t.get('/v1/events')).toMatchObject({ status: 503, body: { errors: [{ code: 'service.unavailable' }] } });
    expect((await t.get('/v1/events')).status).toBe(200);
  });

  it('slowResponses delays the next N answers', async () => {
    const clock = manualClock();
    const delays: number[] = [];
    let delayed: () => void = () => {};
    const timers: Timers = {
      setTimeout: (callback, ms) => {
        delays.push(ms);
        delayed();
        return clock.timers.setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clock.timers.clearTimeout(handle),
    };
    const t = await startSim({ timers });
    t.sim.controls.slowResponses(150, 2);
    const waiting = new Promise<void>((resolve) => (delayed = resolve));
    let answered = false;
    const first = t.get('/v1/events').then((out) => ((answered = true), out));
    await waiting;
    expect(delays).toEqual([150]);
    clock.advance(149);
    expect([clock.pending, answered]).toEqual([1, false]);
    clock.advance(1);
    expect(clock.pending).toBe(0);
    expect((await first).status).toBe(200);
    // the second slowed answer waits as well; the third is not slowed
    const second = t.get('/v1/events');
    await new Promise<void>((resolve) => (delayed = resolve));
    clock.advance(150);
    expect((await second).status).toBe(200);
    expect((await t.get('/v1/events')).status).toBe(200);
    expect(delays).toEqual([150, 150]);
  });

  it('duplicateAcrossPages repeats the last event of a page first on the next', async () => {
    const t = await startSim();
    const added = t.sim.controls.addEvents(6);
    t.sim.controls.duplicateAcrossPages(true);
    const first = await t.get('/v1/events?size=3');
    const second = await t.get(first.body.links.next);
    expect(second.body.data.map((e: { id: string }) => e.id)).toEqual([added[2]!.id, added[3]!.id, added[4]!.id]);
  });

  it('injects unknown types and invalid payloads', async () => {
    const t = await startSim();
    const unknown = t.sim.controls.injectUnknownType();
    const invalid = t.sim.controls.injectInvalidPayload();
    const { body } = await t.get('/v1/events');
    expect(body.data.map((e: { type: string }) => e.type)).toEqual(['user.brand-new-thing', 'user.update']);
    expect(JSON.parse(body.data[0].payload)).toEqual(JSON.parse(unknown.payload));
    expect(body.data[1].payload).toBe(invalid.payload);
    expect(() => JSON.parse(body.data[1].payload)).toThrow();
  });

  it('generates a steady stream, one type after another, until paused', () => {
    const ticks: Array<() => void> = [];
    let stopped = 0;
    const every = (ms: number, tick: () => void) => {
      expect(ms).toBe(2000);
      ticks.push(tick);
      return () => void stopped++;
    };
    const sim = createRestSimulator({ eventIntervalMs: 2000, random: seeded(), every });
    const tick = (n: number) => {
      for (let i = 0; i < n; i++) ticks.forEach((t) => t());
    };
    tick(SIMULATED_EVENT_TYPES.length);
    expect(new Set(sim.controls.events().map((e) => e.type))).toEqual(new Set(SIMULATED_EVENT_TYPES));
    sim.controls.pauseGeneration(true);
    tick(5);
    expect(sim.controls.events()).toHaveLength(SIMULATED_EVENT_TYPES.length);
    sim.controls.pauseGeneration(false);
    tick(1);
    expect(sim.controls.events()).toHaveLength(SIMULATED_EVENT_TYPES.length + 1);
    sim.close();
    expect(stopped).toBe(1);
  });

  it('is driven over HTTP by the JSON control API', async () => {
    const t = await startSim();
    const added = await t.control('addEvents', { n: 3 });
    expect(added.status).toBe(200);
    expect(added.body.result).toHaveLength(3);
    expect((await t.control('addEvent', { type: 'account.top-up', payload: { trade_id: 1 } })).body.result.payload).toBe('{"trade_id":1}');
    expect((await t.control('rateLimit', { count: 1, retryAfterSec: 2 })).status).toBe(200);
    expect((await t.get('/v1/events')).headers.get('retry-after')).toBe('2');
    expect((await t.control('events')).body.result).toHaveLength(4);
    expect((await t.control('tokenRequests')).body.result).toEqual([expect.objectContaining({ grantType: 'client_credentials', ok: true })]);
    expect((await t.control('rateLimit', { count: 'many' })).body.errors[0].code).toBe('http.bad.request');
    expect((await t.control('noSuchControl')).status).toBe(404);
  });
});
