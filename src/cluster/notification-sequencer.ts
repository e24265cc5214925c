import type { NotificationRecord } from '../domain/notification.js';
import { silentLogger, type Logger } from '../logger.js';
import type { EventLog } from '../store/types.js';

/** Records read from the log per step while filling a gap. */
const SEQUENCER_PAGE = 500;

export interface Sequencer {
  receive(record: NotificationRecord): void;
  catchUp(): Promise<void>;
  /** resolves when everything received so far is handled */
  idle(): Promise<void>;
  lastDelivered(): number | null;
}

/** In-order, once-only delivery of log records arriving out of band, with gaps filled from the log. */
export function createSequencer(options: { log: EventLog; deliver: (record: NotificationRecord) => void; logger?: Logger }): Sequencer {
  const { log, deliver, logger = silentLogger } = options;
  let last: number | null = null;
  let chain: Promise<void> = Promise.resolve();

  function enqueue(task: () => Promise<void> | void): Promise<void> {
    chain = chain.then(task).catch((error: unknown) => {
      logger.warn({ err: error, lastDelivered: last }, 'reading missed notifications from the log failed; will retry');
    });
    return chain;
  }

  /** Delivers every stored record with last < seq < below. */
  async function fill(below: number): Promise<void> {
    while (last !== null && last + 1 < below) {
      const rows = await log.list({ afterSeq: last, beforeSeq: below, limit: SEQUENCER_PAGE, direction: 'forward' });
      if (rows.length === 0) {
        logger.warn({ from: last + 1, to: below - 1 }, 'notifications missing from the log; skipping them');
        last = below - 1;
        return;
      }
      for (const record of rows) {
        deliver(record);
        last = record.seq;
      }
    }
  }

  return {
    receive(record) {
      void enqueue(async () => {
        if (last === null) last = record.seq - 1;
        if (record.seq <= last) return;
        if (record.seq > last + 1) await fill(record.seq);
        deliver(record);
        last = record.seq;
      });
    },
    catchUp() {
      return enqueue(async () => {
        const top = await log.lastSeq();
        if (last === null) {
          last = top;
          return;
        }
        if (top < last) {
          logger.error({ lastDelivered: last, logTop: top }, 'the event log went back in Redis (was its data lost?); following the log from here');
          last = top;
          return;
        }
        await fill(top + 1);
      });
    },
    idle: () => chain,
    lastDelivered: () => last,
  };
}
