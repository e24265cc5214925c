import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killLeftoverProcesses, spawnGateway, spawnProject } from '../helpers/process.js';
import { wsClient } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  expect(killLeftoverProcesses()).toBe(0);
});

describe('the gateway as a process (npm start)', () => {
  it('runs on the built-in simulator with no configuration, says so first, serves live prices, and shuts down cleanly', async () => {
    const gw = await spawnGateway({ DATABASE_PATH: join(dir, 'start.sqlite') });
    const first = gw.logs.all.slice(0, 3).map((l) => String(l.msg));
    expect(first.some((m) => m.includes('built-in Bitpanda simulator'))).toBe(true);
    expect(gw.graphqlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);

    const ws = wsClient(gw.wsUrl);
    const closed = new Promise<number>((resolve) => ws.client.on('closed', (event) => resolve((event as { code: number }).code)));
    const sub = ws.subscribe('subscription { priceUpdated { id ask bid mid } }');
    const data = await within(sub.nextData(), 15_000, 'a live price from the simulator');
    const price = data.priceUpdated as { id: string; ask: string; bid: string };
    expect(price.id).toMatch(/^[A-Z0-9]+:(EUR|USD|CHF|GBP)$/);
    expect(price.ask).toMatch(/^\d+\.\d+$/);

    const ready = await fetch(gw.graphqlUrl.replace('/graphql', '/ready'));
    expect(ready.status).toBe(200);
    const health = await fetch(gw.graphqlUrl.replace('/graphql', '/health'));
    expect(health.status).toBe(200);

    const exit = await gw.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await closed).toBe(1001);
    expect(gw.logs.all.some((l) => l.msg === 'stopped')).toBe(true);
    await ws.dispose();
  });

  it.each([
    [{ PORT: 'abc' }, ['PORT: expected an integer from 0 to 65535, got "abc"']],
    [{ BITPANDA_WS_URL: 'http://example.test/ws' }, ['BITPANDA_WS_URL: expected a ws or wss URL without user info (user:password@), got "http://example.test/ws"']],
    [
      { BITPANDA_TOKEN_URL: 'http://127.0.0.1:1/token' },
      [
        'BITPANDA_CLIENT_ID: expected a client id when BITPANDA_TOKEN_URL is set, got nothing',
        'BITPANDA_CLIENT_SECRET: expected a client secret when BITPANDA_TOKEN_URL is set, got nothing',
      ],
    ],
    [{ EVENTS_PAGE_SIZE: '0' }, ['EVENTS_PAGE_SIZE: expected an integer from 1 to 1000, got "0"']],
    [{ LOG_LEVEL: 'loud' }, ['LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"']],
    [
      { PORT: '70000', REDIS_URL: 'https://user:hunter2@redis.example:6379/0' },
      ['PORT: expected an integer from 0 to 65535, got "70000"', 'REDIS_URL: expected a redis or rediss URL, got "https://***:***@redis.example:6379/0"'],
    ],
  ])('stops at start on bad configuration %o with one line per bad variable', async (env, lines) => {
    const { exited, stderr } = spawnProject({ DATABASE_PATH: join(dir, 'bad.sqlite'), ...env });
    const exit = await within(exited, 20_000, 'the process to exit');
    expect(exit.code).toBe(2);
    expect(stderr.join('')).toBe(lines.map((line) => `Invalid configuration: ${line}\n`).join(''));
  });
});
