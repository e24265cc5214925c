import { createHash, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { serializeDictionary, serializeInnerList, type InnerList } from 'structured-headers';
import { silentLogger, type Logger } from '../logger.js';
import { abortableSleep, backoffDelay } from '../upstream/backoff.js';

/**
 * The simulator's webhook sender, a stand-in for Bitpanda's: it holds its own signing keys
 * (P-256 and Ed25519; the public halves as a JWKS for the gateway's `BITPANDA_WEBHOOK_KEYS`),
 * POSTs `{"params": payload}` to `<target>/<event type>` signed per RFC 9421 (covering
 * `@method`, `@target-uri`, `content-digest`, `content-type`; with `created`, `keyid`, `alg`
 * and a `nonce`), and retries any non-2xx answer with capped, jittered backoff up to
 * `maxAttempts`, signing each attempt afresh (new `created` and `nonce`). Faults on request:
 * a bad signature, a stale `created`, a tampered body (each on every attempt of that send),
 * and an exact replay of the previous request.
 */

export type WebhookSignAlgorithm = 'ecdsa-p256-sha256' | 'ed25519';

export type WebhookFault = 'bad-signature' | 'stale-created' | 'tampered-body';

export interface WebhookSenderOptions {
  /**
   * where events are posted: `${target}/${type}`, e.g. `http://127.0.0.1:4000/webhooks/bitpanda`;
   * may be set later with `setTarget` (the gateway needs the keys before its port is known)
   */
  target?: string;
  /** @default 'ecdsa-p256-sha256' */
  algorithm?: WebhookSignAlgorithm;
  /** @default 'sha-256' */
  digest?: 'sha-256' | 'sha-512';
  /** attempts per event, the first included. @default 5 */
  maxAttempts?: number;
  /** @default { initialMs: 1000, maxMs: 30000 } */
  backoff?: { initialMs: number; maxMs: number };
  /** how old a `stale-created` fault dates its signature, in seconds. @default 3600 */
  staleBySeconds?: number;
  /** @default 10000 */
  requestTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
  /** every wait between attempts; must resolve when `signal` aborts */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
}

export interface SendOptions {
  fault?: WebhookFault;
  algorithm?: WebhookSignAlgorithm;
  maxAttempts?: number;
}

export interface WebhookSendResult {
  ok: boolean;
  /** status of the last attempt; null when no answer arrived */
  status: number | null;
  attempts: number;
  statuses: Array<number | null>;
}

export interface WebhookSender {
  /** the public keys, one per algorithm, with their `kid` */
  readonly jwks: { keys: JsonWebKey[] };
  /**
   * Posts to `${target}/<type>`; with `signedAs`, signs `${signedAs}/<type>` as the target URI
   * instead (the public URL a proxy forwards from, as the receiver's `BITPANDA_WEBHOOK_URL`).
   */
  setTarget(target: string, signedAs?: string): void;
  send(type: string, payload: unknown, options?: SendOptions): Promise<WebhookSendResult>;
  /** resends the previous request byte for byte (same signature), once */
  replayLast(): Promise<WebhookSendResult>;
  /** every event at once */
  burst(events: ReadonlyArray<{ type: string; payload: unknown }>, options?: SendOptions): Promise<WebhookSendResult[]>;
  /** ends pending waits between attempts; no new attempt starts */
  stop(): void;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonWebKey;
}

interface Prepared {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const {
    target,
    algorithm = 'ecdsa-p256-sha256',
    digest = 'sha-256',
    maxAttempts = 5,
    backoff = { initialMs: 1000, maxMs: 30_000 },
    staleBySeconds = 3600,
    requestTimeoutMs = 10_000,
    now = Date.now,
    random = Math.random,
    sleep = abortableSleep,
    fetch = globalThis.fetch,
    logger = silentLogger,
  } = options;
  let base = target?.replace(/\/+$/, '') ?? null;
  let signedBase: string | null = null;
  const keys: Record<WebhookSignAlgorithm, SigningKey> = {
    'ecdsa-p256-sha256': makeKey('ec', 'ecdsa-p256-sha256'),
    ed25519: makeKey('ed25519', 'ed25519'),
  };
  const stopping = new AbortController();
  let last: Prepared | null = null;

  function prepare(type: string, payload: unknown, alg: WebhookSignAlgorithm, fault: WebhookFault | undefined): Prepared {
    if (base === null) throw new Error('webhook sender: expected a target URL (option or setTarget), got none');
    const url = new URL(`${base}/${type}`).href;
    const signedUrl = signedBase === null ? url : new URL(`${signedBase}/${type}`).href;
    const body = Buffer.from(JSON.stringify({ params: payload }));
    const created = Math.floor(now() / 1000) - (fault === 'stale-created' ? staleBySeconds : 0);
    const headers = signedHeaders(signedUrl, body, keys[alg], alg, digest, created);
    if (fault === 'bad-signature') headers.signature = corruptSignature(headers.signature as string);
    const sent = fault === 'tampered-body' ? Buffer.from(`${body.subarray(0, body.length - 1).toString()},"tampered":true}`) : body;
    return { url, headers, body: sent };
  }

  async function attempt(request: Prepared): Promise<number | null> {
    try {
      const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(requestTimeoutMs)]);
      const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: new Uint8Array(request.body), signal });
      await res.arrayBuffer();
      return res.status;
    } catch (error) {
      logger.debug({ url: request.url, error: (error as Error).message }, 'simulated webhook: no answer');
      return null;
    }
  }

  async function send(type: string, payload: unknown, sendOptions: SendOptions = {}): Promise<WebhookSendResult> {
    const { fault, algorithm: alg = algorithm, maxAttempts: attempts = maxAttempts } = sendOptions;
    const statuses: Array<number | null> = [];
    for (let n = 0; n < attempts && !stopping.signal.aborted; n += 1) {
      if (n > 0) await sleep(backoffDelay(n - 1, backoff, random), stopping.signal);
      if (stopping.signal.aborted) break;
      const request = prepare(type, payload, alg, fault);
      last = request;
      const status = await attempt(request);
      statuses.push(status);
      if (status !== null && status >= 200 && status < 300) return { ok: true, status, attempts: statuses.length, statuses };
      logger.info({ type, status, attempt: n + 1, fault }, 'simulated webhook not accepted');
    }
    return { ok: false, status: statuses.at(-1) ?? null, attempts: statuses.length, statuses };
  }

  return {
    jwks: { keys: [keys['ecdsa-p256-sha256'].jwk, keys.ed25519.jwk] },
    setTarget(url, signedAs) {
      base = new URL(url).href.replace(/\/+$/, '');
      signedBase = signedAs === undefined ? null : new URL(signedAs).href.replace(/\/+$/, '');
    },
    send,
    async replayLast() {
      if (!last) throw new Error('webhook sender: expected a request sent before replayLast(), got none');
      const status = await attempt(last);
      return { ok: status !== null && status >= 200 && status < 300, status, attempts: 1, statuses: [status] };
    },
    burst(events, sendOptions) {
      return Promise.all(events.map((e) => send(e.type, e.payload, sendOptions)));
    },
    stop() {
      stopping.abort();
    },
  };
}

function makeKey(type: 'ec' | 'ed25519', alg: WebhookSignAlgorithm): SigningKey {
  const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const kid = `simulator-${alg}-${randomBytes(4).toString('hex')}`;
  return { kid, privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

function signedHeaders(
  url: string,
  body: Buffer,
  key: SigningKey,
  alg: WebhookSignAlgorithm,
  digestAlg: 'sha-256' | 'sha-512',
  created: number,
): Record<string, string> {
  const contentType = 'application/json';
  const contentDigest = `${digestAlg}=:${createHash(digestAlg === 'sha-256' ? 'sha256' : 'sha512').update(body).digest('base64')}:`;
  const params = new Map<string, string | number>([
    ['created', created],
    ['keyid', key.kid],
    ['alg', alg],
    ['nonce', randomBytes(12).toString('base64url')],
  ]);
  const covered: InnerList = [[['@method', new Map()], ['@target-uri', new Map()], ['content-digest', new Map()], ['content-type', new Map()]], params];
  const signatureBase = [
    '"@method": POST',
    `"@target-uri": ${url}`,
    `"content-digest": ${contentDigest}`,
    `"content-type": ${contentType}`,
    `"@signature-params": ${serializeInnerList(covered)}`,
  ].join('\n');
  const data = Buffer.from(signatureBase, 'ascii');
  const signature = alg === 'ed25519' ? sign(null, data, key.privateKey) : sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return {
    'content-type': contentType,
    'content-digest': contentDigest,
    'signature-input': serializeDictionary(new Map([['sig1', covered]])),
    signature: serializeDictionary(new Map([['sig1', [signature, new Map()]]])),
  };
}

/** The same field with one bit of the signature flipped. */
function corruptSignature(field: string): string {
  const match = /^sig1=:([^:]*):$/.exec(field);
  const bytes = Buffer.from(match?.[1] ?? '', 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `sig1=:${bytes.toString('base64')}:`;
}
