import { createServer, type RequestListener } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationRecord } from '../../src/domain/notification.js';
import { Writable } from 'node:stream';
import { createBus } from '../../src/bus/bus.js';
import { createLogger } from '../../src/logger.js';
import { createIngest } from '../../src/ingest/ingest.js';
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { metricTotal, metricValue } from '../../src/metrics/series.js';
import { createRestSimulator, type RestSimulator } from '../../src/simulator/rest-server.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { createEventsPoller, type EventsPollerOptions, type PollOutcome, type WaitReason } from '../../src/upstream/events-poller.js';
import { createTokenProvider } from '../../src/upstream/token-provider.js';

const disposers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (disposers.length) await disposers.pop()?.();
});

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  disposers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startSim(): Promise<{ sim: RestSimulator; base: string; requests: string[] }> {
  const sim = createRestSimulator({ eventIntervalMs: 0 });
  const requests: string[] = [];
  const base = await listen((req, res) => {
    if (req.url?.startsWith('/v1/events')) requests.push(req.url);
    if (!sim.handle(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
  disposers.push(() => sim.close());
  return { sim, base, requests };
}

function openStore(path = ':memory:'): Store {
  const store = openSqliteStore({ path });
  disposers.push(() => store.close());
  return store;
}

async function storedIds(store: Store): Promise<string[]> {
  return (await store.events.list({ limit: 10_000, direction: 'forward' })).map((r) => r.id);
}

/** Retry waits pass at once; interval waits last until `pollNow` or `stop` ends them. */
function recordingSleep() {
  const waits: Array<{ ms: number; reason: WaitReason }> = [];
  const sleep = (ms: number, signal: AbortSignal, reason: WaitReason) => {
    waits.push({ ms, reason });
    if (reason !== 'interval' || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  };
  return { waits, sleep };
}

function startPoller(base: string, store: Store, options: Partial<EventsPollerOptions> = {}) {
  const tokens = createTokenProvider({ tokenUrl: `${base}/oauth/token`, clientId: 'sim-client', clientSecret: 'sim-secret' });
  const { waits, sleep } = recordingSleep();
  const outcomes: PollOutcome[] = [];
  const published: NotificationRecord[] = [];
  const metrics = createGatewayMetrics({ processMetrics: false });
  const bus = createBus();
  bus.on('notification:received', (record) => void published.push(record));
  const poller = createEventsPoller({
    apiUrl: base,
    pageSize: 5,
    intervalMs: 60_000,
    getToken: () => tokens.getToken(),
    invalidateToken: (t) => tokens.invalidate(t),
    log: store.events,
    ingest: createIngest({ log: store.events, bus }),
    onPoll: (o) => void outcomes.push(o),
    random: () => 0.5,
    sleep,
    metrics: metrics.poller,
    backoff: { initialMs: 1000, maxMs: 8000 },
    ...options,
  });
  disposers.push(async () => {
    await poller.stop();
    tokens.stop();
  });
  poller.start();
  return { poller, tokens, waits, outcomes, published, metrics };
}

describe('events poller', () => {
  it('follows full pages at once, then waits the interval; pollNow picks up new events', async () => {
    const { sim, base, requests } = await startSim();
    const store = openStore();
    const added = sim.controls.addEvents(12);
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    expect(p.outcomes.map((o) => [o.received, o.full])).toEqual([[5, true], [5, true], [2, false]]);
    expect(requests).toEqual([
      '/v1/events?size=5',
      `/v1/events?size=5&after_id=${added[4]!.id}`,
      `/v1/events?size=5&after_id=${added[9]!.id}`,
    ]);
    expect(p.waits).toEqual([{ ms: 60_000, reason: 'interval' }]);
    expect(await storedIds(store)).toEqual(added.map((e) => e.id));
    expect(p.published.map((r) => r.id)).toEqual(added.map((e) => e.id));
    expect(p.poller.status()).toMatchObject({ state: 'waiting', cursor: added[11]!.id, eventsStored: 12, duplicatesSkipped: 0, consecutiveFailures: 0, lastError: null });
    expect(p.poller.status().nextPollAt).toBeGreaterThan(Date.now() + 50_000);
    expect(await store.events.pollCursor()).toBe(added[11]!.id);

    const more = sim.controls.addEvents(3);
    await p.poller.pollNow();
    expect(await storedIds(store)).toEqual([...added, ...more].map((e) => e.id));
    expect(await metricTotal(p.metrics.registry, 'bitpanda_events_stored_total')).toBe(15);
  });

  it('honours Retry-After on 429', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    const added = sim.controls.addEvents(3);
    sim.controls.rateLimit(1, 3, 'events');
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    expect(p.outcomes.map((o) => o.status)).toEqual([429, 200]);
    expect(p.waits).toEqual([{ ms: 3000, reason: 'retry-after' }, { ms: 60_000, reason: 'interval' }]);
    expect(await storedIds(store)).toEqual(added.map((e) => e.id));
  });

  it('backs off with full jitter on 503, then recovers', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    const added = sim.controls.addEvents(3);
    sim.controls.maintenance(5, 'events');
    const failures: number[] = [];
    const p = startPoller(base, store, { onPoll: () => failures.push(p.poller.status().consecutiveFailures) });
    await p.poller.waitForIdle();
    expect(p.waits.map((w) => w.ms)).toEqual([500, 1000, 2000, 4000, 4000, 60_000]);
    expect(failures).toEqual([1, 2, 3, 4, 5, 0]);
    expect(p.poller.status()).toMatchObject({ consecutiveFailures: 0, lastError: null, eventsStored: 3 });
    expect(await storedIds(store)).toEqual(added.map((e) => e.id));
  });

  it('renews expired tokens and continues', async () => {
    const { sim, base, requests } = await startSim();
    const store = openStore();
    const first = sim.controls.addEvents(2);
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    sim.controls.expireAllAccessTokens();
    const second = sim.controls.addEvents(2);
    await p.poller.pollNow();
    expect(sim.controls.tokenRequests().map((r) => r.grantType)).toEqual(['client_credentials', 'refresh_token']);
    expect(requests).toHaveLength(3);
    expect(p.outcomes.every((o) => o.ok)).toBe(true);
    expect(await storedIds(store)).toEqual([...first, ...second].map((e) => e.id));
  });

  it('times out slow responses and retries', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    const added = sim.controls.addEvents(2);
    sim.controls.slowResponses(5000, 1, 'events');
    const p = startPoller(base, store, { requestTimeoutMs: 200 });
    await p.poller.waitForIdle();
    expect(p.outcomes.map((o) => [o.ok, o.error])).toEqual([[false, 'no answer within 200 ms'], [true, null]]);
    expect(p.waits.map((w) => w.reason)).toEqual(['backoff', 'interval']);
    expect(await storedIds(store)).toEqual(added.map((e) => e.id));
  });

  it('stores events repeated across pages once', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    sim.controls.duplicateAcrossPages(true);
    const added = sim.controls.addEvents(12);
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    expect(p.outcomes.map((o) => [o.received, o.stored, o.duplicates])).toEqual([[5, 5, 0], [5, 4, 1], [4, 3, 1]]);
    expect(await storedIds(store)).toEqual(added.map((e) => e.id));
    expect(p.poller.status()).toMatchObject({ eventsStored: 12, duplicatesSkipped: 2 });
  });

  it('stores events of unknown types and payloads that are not JSON, untouched', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    const unknown = sim.controls.injectUnknownType();
    const invalid = sim.controls.injectInvalidPayload();
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    expect(await store.events.get(unknown.id)).toMatchObject({ rawType: 'user.brand-new-thing', type: 'UNKNOWN', payloadText: unknown.payload });
    expect(await store.events.get(invalid.id)).toMatchObject({ rawType: 'user.update', payloadText: '{"action":"verification","success":tru' });
    expect(p.published.map((r) => r.id)).toEqual([unknown.id, invalid.id]);
  });

  it('resumes from the stored cursor after a restart: nothing lost, nothing twice', async () => {
    const { sim, base, requests } = await startSim();
    const dir = mkdtempSync(join(tmpdir(), 'poller-'));
    disposers.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'gateway.sqlite');
    const before = sim.controls.addEvents(7);
    const store1 = openSqliteStore({ path });
    disposers.push(() => store1.close());
    const first = startPoller(base, store1);
    await first.poller.waitForIdle();
    await first.poller.stop();
    await store1.close();

    const after = sim.controls.addEvents(6);
    const store2 = openStore(path);
    const second = startPoller(base, store2);
    await second.poller.waitForIdle();
    expect(requests.at(2)).toBe(`/v1/events?size=5&after_id=${before[6]!.id}`);
    expect(second.published.map((r) => r.id)).toEqual(after.map((e) => e.id));
    expect(await storedIds(store2)).toEqual(sim.controls.events().map((e) => e.id));
    expect(second.poller.status().duplicatesSkipped).toBe(0);
  });

  it('survives malformed bodies and elements, storing what can be deduplicated', async () => {
    const good = { id: '018e18d0-bcc6-7ac7-a9bb-26d1b37dcc8f', type: 'user.update', payload: { user_id: 'u1' }, created_at: '2024-02-20T08:14:20+00:00' };
    const bodies = ['<html>gateway error</html>', '{"data":"nope"}', JSON.stringify({ data: [{ type: 'user.update', payload: '{}' }, good], meta: { size: 5 } })];
    const base = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bodies.shift() ?? '{"data":[],"meta":{"size":5},"links":{"next":null}}');
    });
    const store = openStore();
    const p = startPoller(base, store, { getToken: undefined, invalidateToken: undefined });
    await p.poller.waitForIdle();
    expect(p.outcomes.map((o) => [o.ok, o.received, o.skipped])).toEqual([[false, 0, 0], [false, 0, 0], [true, 2, 1]]);
    expect(await metricValue(p.metrics.registry, 'bitpanda_events_malformed_total', { what: 'body' })).toBe(2);
    expect(await metricValue(p.metrics.registry, 'bitpanda_events_malformed_total', { what: 'element' })).toBe(1);
    expect(await store.events.get(good.id)).toMatchObject({ payloadText: '{"user_id":"u1"}', userId: 'u1' });
    expect(await store.events.pollCursor()).toBe(good.id);
  });

  it('recovers from a stored cursor the upstream no longer knows (404 on after_id): logged, counted, read again from the start, nothing delivered twice', async () => {
    const { sim, base, requests } = await startSim();
    const store = openStore();
    const before = sim.controls.addEvents(3);
    const first = startPoller(base, store);
    await first.poller.waitForIdle();
    await first.poller.stop();
    // the upstream forgot the cursor's event (or is another one: the simulator's ids are new each start)
    const gone = '01890000-0000-7000-8000-000000000000';
    await store.events.append([], gone);
    const after = sim.controls.addEvents(2);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
    const second = startPoller(base, store, { logger });
    await second.poller.waitForIdle();
    expect(requests.slice(-3)).toEqual([`/v1/events?size=5&after_id=${gone}`, '/v1/events?size=5', `/v1/events?size=5&after_id=${after[1]!.id}`]);
    expect(second.published.map((r) => r.id)).toEqual(after.map((e) => e.id));
    expect(await storedIds(store)).toEqual([...before, ...after].map((e) => e.id));
    expect(second.outcomes.map((o) => [o.ok, o.received, o.stored, o.duplicates])).toEqual([[true, 5, 2, 3], [true, 0, 0, 0]]);
    expect(await store.events.pollCursor()).toBe(after[1]!.id);
    expect(await metricTotal(second.metrics.registry, 'bitpanda_events_cursor_lost_total')).toBe(1);
    expect(second.poller.status()).toMatchObject({ consecutiveFailures: 0, failingSince: null, cursor: after[1]!.id });
    const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('no longer knows the stored poll cursor'));
    expect(warned).toMatchObject({ cursor: gone, status: 404, code: 'event.not.found', level: 40 });
  });

  it('clears a lost cursor even when the upstream has no events at all', async () => {
    const { base } = await startSim();
    const store = openStore();
    await store.events.append([], '01890000-0000-7000-8000-000000000001');
    const p = startPoller(base, store);
    await p.poller.waitForIdle();
    expect(await store.events.pollCursor()).toBeNull();
    expect(p.poller.status()).toMatchObject({ cursor: null, consecutiveFailures: 0 });
  });

  it('says since when it has been failing, and forgets it at the next success', async () => {
    const { sim, base } = await startSim();
    const store = openStore();
    sim.controls.maintenance(3, 'events');
    const statuses: Array<{ ok: boolean; failingSince: number | null; lastPollAt: number | null }> = [];
    let poller: ReturnType<typeof startPoller>['poller'] | null = null;
    const p = startPoller(base, store, { onPoll: (o) => void statuses.push({ ok: o.ok, ...pick(poller!.status()) }) });
    poller = p.poller;
    await p.poller.waitForIdle();
    expect(statuses.map((s) => s.ok)).toEqual([false, false, false, true]);
    expect(statuses[1]!.failingSince).toBe(statuses[0]!.lastPollAt);
    expect(statuses[2]!.failingSince).toBe(statuses[0]!.lastPollAt);
    expect(statuses[3]!.failingSince).toBeNull();
  });
});

function pick(s: { failingSince: number | null; lastPollAt: number | null }) {
  return { failingSince: s.failingSince, lastPollAt: s.lastPollAt };
}
