import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createReadinessChanges } from '../src/readiness-changes.js';
import type { Readiness } from '../src/server/http.js';
import { AsyncQueue } from './helpers/queue.js';
import { whenTrue } from './helpers/when.js';

function capture() {
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const READY: Readiness = { ready: true, reasons: [], checks: { priceSocket: true } };
const DOWN: Readiness = { ready: false, reasons: ['upstream price socket is connecting'], checks: { priceSocket: false } };

describe('readiness changes', () => {
  it('logs the first state, then each flip once (a loss as a warning), and tells watchers of flips', async () => {
    const { lines, logger } = capture();
    let state = DOWN;
    const changes = createReadinessChanges(() => state, logger);
    let flips = 0;
    const unwatch = changes.watch(() => void flips++);
    const logged = (n: number) => whenTrue(changes.watch, () => lines.length === n, `${n} log lines`);

    changes.check();
    await logged(1);
    changes.check();
    state = READY;
    changes.check();
    await logged(2);
    changes.check();
    state = DOWN;
    changes.check();
    await logged(3);
    expect(lines.map((l) => [l.level, l.msg, l.ready])).toEqual([
      [30, 'gateway not ready: upstream price socket is connecting', false],
      [30, 'gateway ready', true],
      [40, 'gateway not ready: upstream price socket is connecting', false],
    ]);
    expect(lines[2]).toMatchObject({ reasons: DOWN.reasons, checks: DOWN.checks });
    expect([flips, changes.last()]).toEqual([3, DOWN]);
    unwatch();
  });

  it('evaluates once more when a change comes during an evaluation, and not after stop', async () => {
    const { lines, logger } = capture();
    const asked = new AsyncQueue<(r: Readiness) => void>();
    const changes = createReadinessChanges(() => new Promise<Readiness>((resolve) => asked.push(resolve)), logger);
    changes.check();
    changes.check();
    changes.check();
    expect(asked.all).toHaveLength(1);
    (await asked.shift())(DOWN);
    // the checks during the first evaluation make one more, not two
    (await asked.shift())(READY);
    await whenTrue(changes.watch, () => changes.last()?.ready === true, 'the flip to ready');
    expect(asked.all).toHaveLength(2);
    changes.check();
    changes.stop();
    (await asked.shift())(DOWN);
    // every microtask runs before the next macrotask: the answer after stop has been handled
    await new Promise((resolve) => setImmediate(resolve));
    changes.check();
    expect([asked.all.length, changes.last()]).toEqual([3, READY]);
    expect(lines.map((l) => l.msg)).toEqual(['gateway not ready: upstream price socket is connecting', 'gateway ready']);
  });
});
