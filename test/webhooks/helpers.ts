import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { handleWebhookHttp } from '../../src/upstream/webhooks/node-http.js';
import { parseWebhookKeys, type WebhookKeySet } from '../../src/upstream/webhooks/keys.js';
import { createWebhookReceiver, type IngestResult, type WebhookReceiverOptions } from '../../src/upstream/webhooks/receiver.js';
import { createWebhookVerifier, type WebhookVerifierOptions } from '../../src/upstream/webhooks/signature-verifier.js';
import { serveOnLoopback, type Served } from '../helpers/servers.js';

/**
 * Requests signed by an independent RFC 9421 implementation (the `http-message-signatures`
 * package) with Content-Digest computed here from node:crypto, and a real HTTP server on a
 * loopback port that answers them with the receiver under test.
 */

export type Alg = 'ecdsa-p256-sha256' | 'ed25519';

export interface TestKey {
  alg: Alg;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function makeKey(alg: Alg, kid: string): TestKey {
  const pair = alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg, kid, ...pair };
}

export function jwksOf(keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid })) });
}

export function keySetOf(keys: TestKey[]): WebhookKeySet {
  return parseWebhookKeys(jwksOf(keys));
}

export function digestOf(body: Buffer | string, alg: 'sha-256' | 'sha-512' = 'sha-256'): string {
  return `${alg}=:${createHash(alg === 'sha-256' ? 'sha256' : 'sha512').update(body).digest('base64')}:`;
}

export const DEFAULT_FIELDS = ['@method', '@target-uri', 'content-digest', 'content-type'];

export interface SignOptions {
  /** the target URI the signer addresses */
  url: string;
  key: TestKey;
  body?: string;
  method?: string;
  fields?: string[];
  /** the Content-Digest field; a function of the body by default */
  contentDigest?: string | null;
  /** signature parameters, in order; @default ['keyid', 'alg', 'created'] */
  params?: string[];
  created?: Date | null;
  expires?: Date;
  /** overrides the `alg` parameter */
  alg?: string;
  keyid?: string;
  nonce?: string;
  headers?: Record<string, string>;
}

export interface SignedRequest {
  method: string;
  headers: Record<string, string>;
  body: string;
}

export async function signRequest(options: SignOptions): Promise<SignedRequest> {
  const { url, key, body = JSON.stringify({ params: { id: 'e1', amount: '1.50' } }), method = 'POST' } = options;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const digest = options.contentDigest === undefined ? digestOf(body) : options.contentDigest;
  if (digest !== null) headers['content-digest'] = digest;
  const params = options.params ?? ['keyid', 'alg', 'created', ...(options.expires ? ['expires'] : []), ...(options.nonce ? ['nonce'] : [])];
  const signed = await httpbis.signMessage(
    {
      key: createSigner(key.privateKey, key.alg, options.keyid ?? key.kid),
      fields: options.fields ?? DEFAULT_FIELDS,
      params,
      paramValues: {
        ...(options.created !== undefined ? { created: options.created } : {}),
        ...(options.expires ? { expires: options.expires } : {}),
        ...(options.alg ? { alg: options.alg } : {}),
        ...(options.nonce ? { nonce: options.nonce } : {}),
      },
    },
    { method, url, headers },
  );
  return { method, headers: signed.headers as Record<string, string>, body };
}

export interface IngestCall {
  type: string;
  payload: string;
}

/** An ingest that records its calls and deduplicates by type and payload text. */
export function recordingIngest(): {
  calls: IngestCall[];
  ingest: (type: string, payload: string) => Promise<IngestResult>;
  failNext(error?: Error): void;
} {
  const calls: IngestCall[] = [];
  const stored = new Set<string>();
  let failure: Error | null = null;
  return {
    calls,
    async ingest(type, payload) {
      calls.push({ type, payload });
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
      const id = `${type}\n${payload}`;
      if (stored.has(id)) return 'duplicate';
      stored.add(id);
      return 'stored';
    },
    failNext(error = new Error('store unavailable: SQLITE_BUSY')) {
      failure = error;
    },
  };
}

export interface WebhookServer extends Served {
  /** `${base}/webhooks/bitpanda` */
  hooks: string;
  post(path: string, request: SignedRequest): Promise<{ status: number; body: Record<string, unknown> | null }>;
}

export async function serveReceiver(
  options: Omit<WebhookReceiverOptions, 'verifier'> & { verifier?: WebhookReceiverOptions['verifier']; keys?: WebhookKeySet; verify?: Partial<WebhookVerifierOptions> },
): Promise<WebhookServer> {
  const verifier = options.verifier ?? createWebhookVerifier({ keys: options.keys as WebhookKeySet, ...options.verify });
  const receiver = createWebhookReceiver({ ...options, verifier });
  const served = await serveOnLoopback((req, res) => {
    if (!receiver.matches(req.url ?? '/')) return false;
    void handleWebhookHttp(receiver, req, res);
    return true;
  });
  return {
    ...served,
    hooks: `${served.base}/webhooks/bitpanda`,
    async post(path, request) {
      const res = await fetch(`${served.base}${path}`, { method: request.method, headers: request.headers, body: request.body });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
    },
  };
}
