import { describe, expect, it } from 'vitest';
import { createChangeListeners } from '../src/change-listeners.js';
import { createConnectionLimiter } from '../src/server/auth/connection-limiter.js';
import { whenTrue } from './helpers/when.js';

describe('change listeners', () => {
  it('tell each listener after each change until it stops, a listener stopping itself included', () => {
    const changes = createChangeListeners();
    changes.changed();
    const seen: string[] = [];
    const stopA = changes.watch(() => seen.push('a'));
    const stopB = changes.watch(() => (seen.push('b'), stopB()));
    changes.changed();
    changes.changed();
    stopA();
    changes.changed();
    expect(seen).toEqual(['a', 'b', 'a']);
  });

  it('the connection limiter reports each slot taken and given back, once', () => {
    const limiter = createConnectionLimiter({ max: 2 });
    const counts: number[] = [];
    const stop = limiter.watch(() => counts.push(limiter.count('subject:alice')));
    const release = limiter.acquire('subject:alice')!;
    limiter.acquire('subject:alice');
    expect(limiter.acquire('subject:alice')).toBeNull();
    release();
    release();
    stop();
    limiter.acquire('subject:alice');
    expect(counts).toEqual([1, 2, 1]);
  });
});

describe('whenTrue', () => {
  it('checks at once, then after changes (several during one check run it once more), and stops watching once it holds', async () => {
    const changes = createChangeListeners();
    let value = 0;
    let checks = 0;
    expect(await whenTrue(changes.watch, () => (checks++, true), 'at once')).toBeUndefined();
    expect(checks).toBe(1);
    const reached = whenTrue(changes.watch, () => (checks++, value === 2), 'value 2');
    value = 1;
    changes.changed();
    value = 2;
    changes.changed();
    await reached;
    const after = checks;
    value = 3;
    changes.changed();
    expect(checks).toBe(after);
  });

  it('runs an async check once more when a change came while it ran', async () => {
    const changes = createChangeListeners();
    let value = 0;
    const read: number[] = [];
    const reached = whenTrue(changes.watch, async () => {
      const seen = value;
      await Promise.resolve();
      read.push(seen);
      return seen === 2;
    }, 'value 2');
    value = 2;
    changes.changed();
    await reached;
    expect(read).toEqual([0, 2]);
  });

  it('rejects after its bound, saying where things stood, and stops watching', async () => {
    const changes = createChangeListeners();
    let calls = 0;
    const waiting = whenTrue(changes.watch, () => (calls++, false), () => `never (${calls} checks)`, 20);
    await expect(waiting).rejects.toThrow('timed out after 20 ms waiting for never (1 checks)');
    changes.changed();
    expect(calls).toBe(1);
  });
});
