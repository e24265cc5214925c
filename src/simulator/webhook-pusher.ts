import { silentLogger, type Logger } from '../logger.js';
import type { SimEvent } from './events-catalogue.js';
import { createWebhookSender, type WebhookFault, type WebhookSender, type WebhookSenderOptions, type WebhookSendResult } from './webhook-sender.js';

/**
 * The simulator as a webhook sender: once given a target (the gateway's own
 * `/webhooks/bitpanda`), every event added to the simulated history is also pushed there,
 * signed, at once and concurrently (so adding many events at once is a burst), retried on
 * non-2xx like a real sender. Faults for the next pushes (bad signature, stale `created`,
 * tampered body; a faulted push is sent once), an exact replay of the last request, and a
 * pause. The same controls answer `POST /__sim/webhooks/<control>` (see index.ts).
 */

export const WEBHOOK_FAULTS: readonly WebhookFault[] = ['bad-signature', 'stale-created', 'tampered-body'];

export interface WebhookPusherOptions {
  /** options of the signing sender (retries, backoff, waits) */
  sender?: Omit<WebhookSenderOptions, 'target' | 'logger'>;
  /** push each new event; false: only what the controls send. @default true */
  autoPush?: boolean;
  logger?: Logger;
}

export interface WebhookControls {
  /** the next `count` pushes carry `fault` */
  fault(kind: WebhookFault, count?: number): void;
  /** resends the last request byte for byte (same signature): the gateway must refuse it */
  replayLast(): Promise<WebhookSendResult>;
  /** stops (or resumes) pushing new events */
  pause(paused: boolean): void;
  /** pushes one event now (whether or not it is in the history) */
  push(type: string, payloadText: string): Promise<WebhookSendResult>;
  /** the results of pushes so far, oldest first */
  results(): Array<{ type: string; fault: WebhookFault | null; result: WebhookSendResult }>;
  /** resolves once no push is in flight */
  idle(): Promise<void>;
}

export interface WebhookPusher {
  sender: WebhookSender;
  /** the public keys (JWKS) the gateway verifies with */
  readonly jwks: WebhookSender['jwks'];
  /** starts pushing to `${target}/<event type>`, signed for `${signedAs}/<event type>` when given */
  start(target: string, signedAs?: string): void;
  /** an event added to the history */
  onEvent(event: SimEvent): void;
  controls: WebhookControls;
  stop(): void;
}

export function createWebhookPusher(options: WebhookPusherOptions = {}): WebhookPusher {
  const { autoPush = true, logger = silentLogger } = options;
  const sender = createWebhookSender({ ...options.sender, logger });
  const faults: WebhookFault[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const log: Array<{ type: string; fault: WebhookFault | null; result: WebhookSendResult }> = [];
  let started = false;
  let paused = !autoPush;
  let stopped = false;

  function push(type: string, payloadText: string): Promise<WebhookSendResult> {
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      // a webhook body is always JSON: an event whose payload is not has no webhook
      return Promise.resolve({ ok: false, status: null, attempts: 0, statuses: [] });
    }
    const fault = faults.shift() ?? null;
    const sending = sender.send(type, payload, fault ? { fault, maxAttempts: 1 } : {}).then((result) => {
      log.push({ type, fault, result });
      if (!result.ok && !fault) logger.warn({ type, statuses: result.statuses }, 'simulated webhook given up after its retries');
      return result;
    });
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    return sending;
  }

  return {
    sender,
    jwks: sender.jwks,
    start(target, signedAs) {
      sender.setTarget(target, signedAs);
      started = true;
      logger.info({ target }, 'simulator pushes its events as signed webhooks');
    },
    onEvent(event) {
      if (started && !paused && !stopped) void push(event.type, event.payload);
    },
    controls: {
      fault(kind, count = 1) {
        if (!WEBHOOK_FAULTS.includes(kind)) throw new TypeError(`fault: expected one of ${WEBHOOK_FAULTS.join(', ')}, got ${JSON.stringify(kind)}`);
        for (let i = 0; i < count; i += 1) faults.push(kind);
      },
      replayLast: () => sender.replayLast(),
      pause(value) {
        paused = value;
      },
      push,
      results: () => [...log],
      async idle() {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
    },
    stop() {
      stopped = true;
      sender.stop();
    },
  };
}
