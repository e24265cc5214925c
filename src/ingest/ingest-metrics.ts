/** Where an event came from: a page of the events endpoint, or a webhook. */
export type IngestSource = 'poll' | 'push';

/** Hooks for counting ingestion; called once per store write. */
export interface IngestMetrics {
  /** a write that succeeded: `received` events in it, `stored` of them new, `ms` the write took */
  written(source: IngestSource, received: number, stored: number, ms: number): void;
  /** a write that failed: none of its `received` events was stored */
  failed(source: IngestSource, received: number): void;
}

export const noopIngestMetrics: IngestMetrics = {
  written() {},
  failed() {},
};
