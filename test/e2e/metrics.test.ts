import { afterEach, describe, expect, it } from 'vitest';
import { FANOUT_METRICS as M } from '../../src/metrics/fanout-metrics.js';
import { metricValue } from '../../src/metrics/series.js';
import { httpQuery } from '../helpers/clients.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { rawClient } from '../fanout/raw-client.js';

/** `/metrics` as a map from series (`name{labels}`) to value. */
async function scrape(gw: TestGateway): Promise<{ contentType: string | null; series: Map<string, number> }> {
  const res = await fetch(`${gw.server.url}/metrics`);
  expect(res.status).toBe(200);
  const series = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { contentType: res.headers.get('content-type'), series };
}

afterEach(async () => {
  expect(await stopLeftovers()).toBe(0);
});

describe('/metrics', () => {
  it('serves every series from the start, the process metrics, and one registry per gateway', async () => {
    const [a, b] = await Promise.all([startTestGateway(), startTestGateway()]);
    const { contentType, series } = await scrape(a);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'graphql_ws_conflated_total',
      'graphql_ws_slow_consumer_closes_total',
      'graphql_subscription_executions_total{field="priceUpdated"}',
      'graphql_subscription_executions_total{field="notificationReceived"}',
      'graphql_subscription_overflows_total{field="priceChanged"}',
      'graphql_subscription_write_latency_seconds_count{field="priceUpdated"}',
      'bitpanda_token_failures_total{grant="refresh_token",reason="server"}',
      'bitpanda_events_poll_failures_total{reason="rate-limited"}',
      'upstream_subscribe_errors_total{channel="price-changes-v1"}',
      'upstream_reconnects_total',
      'cluster_publish_failures_total',
      'graphql_http_request_duration_seconds_count{operation_type="mutation",outcome="error"}',
    ]) {
      expect(series.get(name), name).toBe(0);
    }
    for (const name of ['graphql_ws_connections', 'graphql_subscription_groups', 'upstream_price_socket_subscribed', 'bitpanda_events_poll_lag_seconds_count']) {
      expect(series.has(name), name).toBe(true);
    }
    expect(series.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(series.has('nodejs_eventloop_lag_seconds')).toBe(true);

    // a query on b counts on b only
    const query = 'graphql_http_request_duration_seconds_count{operation_type="query",outcome="ok"}';
    const before = { a: series.get(query)!, b: (await scrape(b)).series.get(query)! };
    expect((await httpQuery(b.server.graphqlUrl, '{ prices { id } }')).status).toBe(200);
    expect((await scrape(b)).series.get(query)).toBe(before.b + 1);
    expect((await scrape(a)).series.get(query)).toBe(before.a);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('counts the token grants of the upstream clients and times shared frames once per group', async () => {
    const gw = await startTestGateway();
    await gw.gateway.poller!.waitForIdle();
    const { series } = await scrape(gw);
    // the poller reads the simulator's events with a token from its token endpoint
    expect(series.get('bitpanda_token_grants_total{grant="client_credentials"}')).toBeGreaterThanOrEqual(1);
    expect(series.get('bitpanda_events_polls_total{outcome="ok"}')).toBeGreaterThanOrEqual(1);

    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const ws = await rawClient(gw.server.wsUrl);
    await ws.init();
    for (const id of ['1', '2']) ws.subscribe(id, 'subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask } }');
    await ws.roundTrip();
    expect(await metricValue(gw.services.metrics.registry, M.members)).toBe(2);
    const count = 'graphql_subscription_write_latency_seconds_count{field="priceUpdated"}';
    const latencyBefore = (await scrape(gw)).series.get(count)!;
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '70000.00000', bid: '69999.00000' });
    const frames = [await ws.next('a price'), await ws.next('the other price')];
    expect(frames.map((f) => f.id).sort()).toEqual(['1', '2']);
    for (const f of frames) expect(f.payload).toEqual({ data: { priceUpdated: { id: 'BTC:EUR', ask: '70000.00000' } } });
    const after = (await scrape(gw)).series;
    // one group, two members: one observation for the frame
    expect(after.get(count)).toBe(latencyBefore + 1);
    expect(after.get('graphql_subscription_write_latency_seconds_sum{field="priceUpdated"}')).toBeGreaterThanOrEqual(0);
    await ws.close();
    await gw.stop();
  });
});
