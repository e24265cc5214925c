import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/domain/notification.js';
import { seededRandom } from '../../src/simulator/catalogue.js';
import { wsClient, type TestSubscription } from '../helpers/clients.js';
import { killLeftoverProcesses, projectCommand, spawnGateway, spawnProject } from '../helpers/process.js';
import { within } from '../helpers/queue.js';
import { spawnSimulator, type SimulatorProcess } from '../helpers/simulator-process.js';

/**
 * Chaos, bounded: the gateway process is killed with SIGKILL a dozen times, each at a seeded
 * random moment, while the simulator (a process of its own) answers 429 and 503, expires every
 * access token and slows pages down. A client resuming with its last cursor gets every event
 * once, in upstream order. `CHAOS_SEED` replays a run.
 */

const STREAM = `subscription($after: String) { notificationReceived(after: $after) { ... on Notification { id cursor } } }`;
const KILLS = 12;
const SEED = Number(process.env.CHAOS_SEED ?? 0xc4a05);

interface Delivered {
  id: string;
  cursor: string;
}

/** Reads a subscription until it ends (the gateway died) or `stop` resolves. */
async function drain(sub: TestSubscription, delivered: Delivered[], stop: Promise<void>): Promise<void> {
  for (;;) {
    const message = await Promise.race([sub.messages.shift(), stop.then(() => null)]);
    if (message === null || message.kind !== 'next') return;
    if (message.result.errors) throw new Error(`expected events, got ${JSON.stringify(message.result.errors)}`);
    delivered.push(message.result.data!.notificationReceived as Delivered);
  }
}

describe('chaos: SIGKILL of the gateway under upstream faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-chaos-'));
  let sim: SimulatorProcess | undefined;
  afterEach(async () => {
    await sim?.stop();
    expect(killLeftoverProcesses()).toBe(0);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`resuming with the last cursor, a client gets every event exactly once, in order, across ${KILLS} kills`, async () => {
    const started = performance.now();
    const random = seededRandom(SEED);
    const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    sim = await spawnSimulator();
    await sim.rest('pauseGeneration', { paused: true });
    const env = { ...sim.env, EVENTS_POLL_INTERVAL_MS: '20', EVENTS_PAGE_SIZE: '7', DATABASE_PATH: join(dir, 'gateway.sqlite'), LOG_LEVEL: 'info' };
    const delivered: Delivered[] = [];
    const faults: string[] = [];

    const injectSome = async (): Promise<void> => {
      const kind = between(0, 3);
      if (kind === 0) await sim!.rest('rateLimit', { count: between(1, 3), retryAfterSec: between(0, 1), scope: random() < 0.5 ? 'events' : 'all' });
      if (kind === 1) await sim!.rest('maintenance', { count: between(1, 3), scope: random() < 0.5 ? 'events' : 'all' });
      if (kind === 2) await sim!.rest('expireAllAccessTokens');
      if (kind === 3) await sim!.rest('slowResponses', { ms: between(50, 400), count: between(1, 3), scope: 'events' });
      faults.push(['429', '503', 'expired tokens', 'slow pages'][kind]!);
    };

    let early = 0;
    for (let life = 0; life <= KILLS; life++) {
      if (life > 0 && life < KILLS && random() < 0.25) {
        // killed while it starts: migrations, the first token, the first poll may be under way
        early++;
        const starting = spawnProject({ ...env, HOST: '127.0.0.1', PORT: '0' });
        await sim.rest('addEvents', { n: between(0, 10) });
        await injectSome();
        await new Promise((resolve) => setTimeout(resolve, between(0, 1500)));
        starting.child.kill('SIGKILL');
        expect((await starting.exited).signal).toBe('SIGKILL');
        continue;
      }
      const t0 = performance.now();
      const gateway = await spawnGateway(env);
      if (process.env.CHAOS_VERBOSE) console.log(`life ${life}: listening after ${Math.round(performance.now() - t0)} ms, ${delivered.length} delivered`);
      const client = wsClient(gateway.wsUrl);
      const sub = client.subscribe(STREAM, { after: delivered.at(-1)?.cursor ?? encodeCursor(0) });
      await sim.rest('addEvents', { n: between(5, 25) });
      await injectSome();
      if (life === KILLS) {
        // the last life: traffic stops, every event must arrive
        const total = (await sim.rest<unknown[]>('events')).length;
        await within(
          (async () => {
            while (delivered.length < total) {
              const message = await sub.messages.shift();
              if (message.kind !== 'next') throw new Error(`expected events, got ${JSON.stringify(message)}`);
              delivered.push(message.result.data!.notificationReceived as Delivered);
            }
          })(),
          30_000,
          `${total} events (${delivered.length} so far)`,
        );
        sub.dispose();
        await client.dispose();
        expect(await gateway.kill('SIGTERM')).toEqual({ code: 0, signal: null });
        break;
      }
      // a random moment of this life: its upstream traffic and faults are under way
      const dies = gateway.exited.then(() => undefined);
      const reading = drain(sub, delivered, dies);
      await sim.rest('addEvents', { n: between(0, 15) });
      const killed = await new Promise<Awaited<typeof gateway.exited>>((resolve) => setTimeout(() => resolve(gateway.kill('SIGKILL')), between(50, 1500)));
      expect(killed.signal).toBe('SIGKILL');
      await reading;
      sub.dispose();
      await client.dispose();
    }

    const upstream = (await sim.rest<Array<{ id: string }>>('events')).map((e) => e.id);
    const ids = delivered.map((e) => e.id);
    const duplicates = ids.length - new Set(ids).size;
    const lost = upstream.filter((id) => !ids.includes(id)).length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `chaos (seed ${SEED}, node ${projectCommand('src/main.ts').join(' ')}): ${KILLS} kills (${early} while starting), ${upstream.length} events, ${duplicates} duplicates, ${lost} lost, faults: ${faults.join(', ')}, ${seconds} s`,
    );
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(ids).toEqual(upstream);
  }, 180_000);
});
