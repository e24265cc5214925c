import { performance } from 'node:perf_hooks';
import { excerpt, silentLogger, type Logger } from '../../logger.js';
import { readWebhookBody } from './body.js';
import { combinedFieldValue, fieldLines, type HeaderInput } from './headers.js';
import { noopWebhookMetrics, type WebhookMetrics, type WebhookOutcome, type WebhookRefusal } from './receiver-metrics.js';
import { createReplayCache, type ReplayCache } from './replay.js';
import { createTargetResolver, DEFAULT_MOUNT_PATH, splitTarget } from './target.js';
import type { Verification, WebhookVerifier } from './signature-verifier.js';

/**
 * `POST <mountPath>/<event type>` with a signed `{"params": {...}}` body, independent of the
 * HTTP server. Checks run cheapest first and nothing reaches `ingest` unless all pass: size
 * (413), method (405), path (404) and event type (400), signature and Content-Digest (401),
 * body shape (400), replay (401). Then 204 once `ingest` has resolved, whether the event was
 * new or already stored; 503 when `ingest` throws, so the sender retries.
 */

export type IngestResult = WebhookOutcome;

/** Stores the event durably (deduplicated) and resolves after that; throws when it cannot. */
export type WebhookIngest = (eventType: string, payloadText: string) => Promise<IngestResult>;

export interface WebhookRequest {
  method: string;
  /** the request target: path and query, e.g. `/webhooks/bitpanda/user.update` */
  path: string;
  headers: HeaderInput;
  rawBody: Uint8Array;
  /** the scheme the request arrived on, used when there is no public URL. @default 'http' */
  scheme?: 'http' | 'https';
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text; null for 204 */
  body: string | null;
  reason: WebhookOutcome | WebhookRefusal;
}

export interface WebhookReceiverOptions {
  verifier: WebhookVerifier;
  ingest: WebhookIngest;
  /** `BITPANDA_WEBHOOK_URL`: the public base URL `@target-uri` / `@authority` are rebuilt from */
  publicUrl?: string | undefined;
  /** @default '/webhooks/bitpanda' */
  mountPath?: string;
  /** `MAX_REQUEST_BYTES`. @default 102400 */
  maxBodyBytes?: number;
  /** @default an in-memory cache of 100000 entries */
  replay?: ReplayCache;
  logger?: Logger;
  metrics?: WebhookMetrics;
  /** a monotonic clock in ms, for the accept latency. @default performance.now */
  clock?: () => number;
}

export interface WebhookReceiver {
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** the answer when the transport stopped reading a body over `maxBodyBytes` */
  tooLarge(bytes: number): WebhookResponse;
  /** whether a request path belongs to this receiver */
  matches(path: string): boolean;
  readonly maxBodyBytes: number;
  readonly mountPath: string;
}

const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const STATUS: Record<WebhookRefusal, number> = {
  'too-large': 413,
  'method-not-allowed': 405,
  'not-found': 404,
  'bad-event-type': 400,
  'bad-body': 400,
  'store-unavailable': 503,
  'internal-error': 500,
  'signature-missing': 401,
  'signature-malformed': 401,
  'signature-policy': 401,
  'signature-unknown-alg': 401,
  'signature-unknown-key': 401,
  'signature-invalid': 401,
  'signature-expired': 401,
  'signature-future': 401,
  'signature-replayed': 401,
  'digest-missing': 401,
  'digest-malformed': 401,
  'digest-mismatch': 401,
};

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const {
    verifier,
    ingest,
    publicUrl,
    mountPath = DEFAULT_MOUNT_PATH,
    maxBodyBytes = 102_400,
    replay = createReplayCache(),
    logger = silentLogger,
    metrics = noopWebhookMetrics,
    clock = () => performance.now(),
  } = options;
  const mount = mountPath.replace(/\/+$/, '');
  const resolveTarget = createTargetResolver({ publicUrl, mountPath: mount });
  const matches = (path: string): boolean => splitTarget(path).path.startsWith(`${mount}/`);

  function refuse(reason: WebhookRefusal, detail: string, log: Record<string, unknown>): WebhookResponse {
    const status = STATUS[reason];
    metrics.refused(reason, status);
    logger.warn({ status, reason, detail: excerpt(detail), ...log }, 'webhook refused');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 405) headers.allow = 'POST';
    if (status === 503) headers['retry-after'] = '5';
    if (status === 413) headers.connection = 'close';
    return { status, headers, body: JSON.stringify({ error: reason, message: detail }), reason };
  }

  type Checked = { eventType: string; payloadText: string; verified: Extract<Verification, { ok: true }> };

  /** Everything that needs no store: size, method, path, signature, digest, body. */
  function check(request: WebhookRequest): Checked | WebhookResponse {
    const { method, path, headers, rawBody, scheme = 'http' } = request;
    const bytes = rawBody.length;
    if (bytes > maxBodyBytes) return tooLarge(bytes);
    if (method !== 'POST') return refuse('method-not-allowed', `expected POST, got ${excerpt(method, 20)}`, { bytes });
    if (!matches(path)) return refuse('not-found', `expected a path under ${mount}/`, { bytes });
    const eventType = splitTarget(path).path.slice(mount.length + 1);
    if (!EVENT_TYPE.test(eventType)) {
      return refuse('bad-event-type', `expected an event type like user.update after ${mount}/, got ${eventType.length} characters that are not`, { bytes });
    }
    const target = resolveTarget({ path, host: combinedFieldValue(fieldLines(headers), 'host'), scheme });
    const verified = verifier.verify({ method, target, headers, body: rawBody });
    if (!verified.ok) return refuse(verified.reason, verified.detail, { eventType, bytes, keyid: verified.keyid });
    const body = readWebhookBody(rawBody);
    if (!body.ok) return refuse('bad-body', body.detail, { eventType, bytes, key: verified.keyName });
    return { eventType, payloadText: body.payloadText, verified };
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    const started = clock();
    const checked = check(request);
    if ('status' in checked) return checked;
    const { eventType, payloadText, verified } = checked;
    const log = { eventType, bytes: request.rawBody.length, key: verified.keyName, alg: verified.alg };
    let fresh: boolean;
    try {
      fresh = await replay.claim(verified.replayId, verified.replayUntilMs);
    } catch (error) {
      return refuse('store-unavailable', 'replay protection is unavailable; retry later', { ...log, error: excerpt((error as Error)?.message) });
    }
    if (!fresh) return refuse('signature-replayed', 'this signed request was accepted before', log);
    let outcome: IngestResult;
    try {
      outcome = await ingest(eventType, payloadText);
    } catch (error) {
      await releaseQuietly(verified.replayId);
      return refuse('store-unavailable', 'the event could not be stored; retry later', { ...log, error: excerpt((error as Error)?.message) });
    }
    const ms = clock() - started;
    metrics.accepted(eventType, outcome, ms);
    logger.info({ ...log, outcome, ms: Math.round(ms * 10) / 10 }, 'webhook accepted');
    return { status: 204, headers: {}, body: null, reason: outcome };
  }

  async function releaseQuietly(id: string): Promise<void> {
    try {
      await replay.release(id);
    } catch (error) {
      logger.warn({ error: excerpt((error as Error)?.message) }, 'webhook replay cache: release failed');
    }
  }

  function tooLarge(bytes: number): WebhookResponse {
    return refuse('too-large', `expected a body of at most ${maxBodyBytes} bytes, got ${bytes} or more`, { bytes });
  }

  return {
    async handle(request) {
      try {
        return await handle(request);
      } catch (error) {
        return refuse('internal-error', 'the request could not be processed', { error: excerpt((error as Error)?.message) });
      }
    },
    tooLarge,
    matches,
    maxBodyBytes,
    mountPath: mount,
  };
}
