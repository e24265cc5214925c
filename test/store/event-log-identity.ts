import { expect, it } from 'vitest';
import type { IncomingNotification } from '../../src/domain/notification.js';
import { pushedNotification } from '../../src/domain/notification-identity.js';
import type { EventLog } from '../../src/store/types.js';
import type { SuiteFn } from '../helpers/redis.js';

/**
 * What every EventLog does with one notification arriving by push and by poll: the same tests
 * for the embedded store and the Redis one. `open` gives an empty log.
 */

export const polled = (id: string, payload: string, type = 'user.update'): IncomingNotification => ({
  id,
  type,
  payload,
  created_at: '2025-01-01T00:00:00+00:00',
});
export const pushed = (payload: string, type = 'user.update') => pushedNotification(type, payload, Date.UTC(2025, 0, 1, 0, 0, 5));

const A = '{"user_id":"u-1","amount":"1.50","n":12345678901234567890}';
const A_REORDERED = '{ "n": 12345678901234567890, "amount": "1.50",\n "user_id": "u-1" }';
const B = '{"user_id":"u-2","amount":"2.00"}';

export function describeEventLogIdentity(name: string, describe: SuiteFn, open: () => Promise<EventLog>): void {
  describe(`${name}: one notification pushed and polled`, () => {
    it('stores a push, then takes its polled copy as a duplicate whose upstream id finds the pushed event', async () => {
      const log = await open();
      const [record] = await log.appendPushed([pushed(A)]);
      expect(record).toMatchObject({ seq: 1, id: pushed(A).id, rawType: 'user.update', type: 'USER_UPDATE', userId: 'u-1', payloadText: A });
      expect(record!.createdAt).toBe('2025-01-01T00:00:05.000Z');
      expect(await log.append([polled('evt-a', A_REORDERED), polled('evt-b', B)], 'evt-b')).toMatchObject([{ seq: 2, id: 'evt-b' }]);
      expect(await log.get('evt-a')).toEqual(record);
      expect(await log.get(record!.id)).toEqual(record);
      expect(await log.pollCursor()).toBe('evt-b');
      // the same page again, and the push again, store nothing
      expect(await log.append([polled('evt-a', A), polled('evt-b', B)], 'evt-b')).toEqual([]);
      expect(await log.appendPushed([pushed(A_REORDERED)])).toEqual([]);
      expect(await log.lastSeq()).toBe(2);
    });

    it('stores a poll, then takes its push as a duplicate, whatever its key order and whitespace', async () => {
      const log = await open();
      expect(await log.append([polled('evt-a', A)], 'evt-a')).toMatchObject([{ seq: 1, id: 'evt-a' }]);
      expect(await log.appendPushed([pushed(A_REORDERED), pushed(A)])).toEqual([]);
      expect(await log.appendPushed([pushed(B)])).toMatchObject([{ seq: 2, id: pushed(B).id }]);
      expect(await log.get(pushed(A).id)).toBeNull();
      expect((await log.list({ limit: 10, direction: 'forward' })).map((r) => r.id)).toEqual(['evt-a', pushed(B).id]);
    });

    it('writes no cursor for a push', async () => {
      const log = await open();
      await log.append([], 'c-1');
      await log.appendPushed([pushed(A)]);
      expect(await log.pollCursor()).toBe('c-1');
      await log.append([], null);
      await log.appendPushed([pushed(B)]);
      expect(await log.pollCursor()).toBeNull();
    });

    it('stores identical pushes in one write once, and a payload that differs in any value apart', async () => {
      const log = await open();
      const stored = await log.appendPushed([pushed(A), pushed(A_REORDERED), pushed(A.replace('1.50', '1.5')), pushed(A, 'user.other')]);
      expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(new Set(stored.map((r) => r.id)).size).toBe(3);
    });

    it('keeps two polled events of the same content apart: they have their own upstream ids', async () => {
      const log = await open();
      expect(await log.append([polled('evt-1', A), polled('evt-2', A_REORDERED)], 'evt-2')).toHaveLength(2);
      expect(await log.appendPushed([pushed(A)])).toEqual([]);
    });

    it('matches one polled copy to a push; a later polled event of the same content is stored', async () => {
      const log = await open();
      await log.appendPushed([pushed(A)]);
      expect(await log.append([polled('evt-1', A), polled('evt-2', A)], 'evt-2')).toMatchObject([{ seq: 2, id: 'evt-2' }]);
      expect((await log.get('evt-1'))?.id).toBe(pushed(A).id);
      expect((await log.get('evt-2'))?.id).toBe('evt-2');
    });

    it('keys a payload that is not JSON by its exact text', async () => {
      const log = await open();
      await log.appendPushed([pushed('{"broken":')]);
      expect(await log.append([polled('evt-1', '{"broken":'), polled('evt-2', '{ "broken":')], 'evt-2')).toMatchObject([{ id: 'evt-2' }]);
      expect((await log.get('evt-1'))?.payloadText).toBe('{"broken":');
    });
  });
}
