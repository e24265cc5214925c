import type { SignatureRefusal } from './signature-verifier.js';

/** Why a webhook request was refused; each maps to one HTTP status (see receiver.ts). */
export type WebhookRefusal =
  | SignatureRefusal
  | 'signature-replayed'
  | 'too-large'
  | 'method-not-allowed'
  | 'not-found'
  | 'bad-event-type'
  | 'bad-body'
  | 'store-unavailable'
  | 'internal-error';

/** An accepted notification was stored now, or had been stored before (a retry). */
export type WebhookOutcome = 'stored' | 'duplicate';

/** Hooks for counting webhooks; the receiver calls them once per request. */
export interface WebhookMetrics {
  /** `ms`: from the request reaching the receiver to its answer, the store write included */
  accepted(eventType: string, outcome: WebhookOutcome, ms: number): void;
  refused(reason: WebhookRefusal, status: number): void;
}

export const noopWebhookMetrics: WebhookMetrics = {
  accepted() {},
  refused() {},
};
