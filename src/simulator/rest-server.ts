import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../logger.js';
import { parseJsonOrUndefined } from '../tolerant-json.js';
import { errorBody, readBody, sendJson } from './http-bodies.js';
import { createSimEventList, type Payload, type SimEvent } from './events-catalogue.js';
import { everyInterval, REAL_TIMERS, type Every, type Timers } from '../timers.js';

export type { SimEvent };

/**
 * A Bitpanda-compatible REST upstream: `GET /v1/events` (the notification events endpoint) and
 * `POST /oauth/token` (client_credentials and rotating refresh tokens), with fault controls
 * for tests and a JSON control API at `POST /__sim/rest/<control>`.
 */

export interface RestSimulatorOptions {
  logger?: Logger;
  now?: () => number;
  random?: () => number;
  /** steady generation pace; 0 = only what tests add. @default 2000 */
  eventIntervalMs?: number;
  /** @default 'sim-client' */ clientId?: string;
  /** @default 'sim-secret' */ clientSecret?: string;
  /** @default 600 */ accessTokenTtlSec?: number;
  /** @default 86400 */ refreshTokenTtlSec?: number;
  /** larger `size` values are clamped to this; `meta.size` says what was used. @default 100 */
  maxPageSize?: number;
  /** `/v1/events` needs a valid bearer. @default true */
  requireAuth?: boolean;
  /** oldest events are dropped beyond this many (their ids then answer 404). @default 100000 */
  maxEvents?: number;
  /** every event added to the history, as it is added (the webhook pusher) */
  onEvent?: (event: SimEvent) => void;
  /** runs `tick` every `ms` until the returned function is called @default an unref'd setInterval */
  every?: Every;
  /** where slowed answers wait (`slowResponses`) @default setTimeout and clearTimeout */
  timers?: Timers;
}

/** one request to the token endpoint; `code` is the error code when refused */
export interface TokenRequestRecord { grantType: string; ok: boolean; code?: string; at: number }

/** Which requests a fault applies to. */
export type FaultScope = 'all' | 'events' | 'token';

export interface RestControls {
  /** the next `count` requests in scope answer 429 with `Retry-After: retryAfterSec` */
  rateLimit(count: number, retryAfterSec: number, scope?: FaultScope): void;
  /** the next `count` requests in scope answer 503 */
  maintenance(count: number, scope?: FaultScope): void;
  /** every access token issued so far is expired from now on (refresh tokens stay valid) */
  expireAllAccessTokens(): void;
  /** the next `count` requests in scope are answered after `ms` */
  slowResponses(ms: number, count: number, scope?: FaultScope): void;
  /** each page starts with the last event of the page before (the `after_id` event) */
  duplicateAcrossPages(enabled: boolean): void;
  injectUnknownType(type?: string): SimEvent;
  /** an event of a known type whose payload text is not valid JSON */
  injectInvalidPayload(type?: string): SimEvent;
  /** a payload object is serialized; a string is served as given */
  addEvent(type: string, payload?: Payload | string): SimEvent;
  /** `n` generated events, cycling through every documented type */
  addEvents(n: number): SimEvent[];
  events(): SimEvent[];
  tokenRequests(): TokenRequestRecord[];
  pauseGeneration(paused: boolean): void;
  /** clears every pending fault */
  resetFaults(): void;
}

export interface RestSimulator {
  /** true when it answered (or will answer) the request */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  controls: RestControls;
  isValidAccessToken(token: string): boolean;
  close(): void;
}

interface Fault { remaining: number; scope: FaultScope; value: number }

const DEFAULT_PAGE_SIZE = 10;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createRestSimulator(options: RestSimulatorOptions = {}): RestSimulator {
  const {
    logger = silentLogger,
    now = Date.now,
    random = Math.random,
    eventIntervalMs = 2000,
    clientId = 'sim-client',
    clientSecret = 'sim-secret',
    accessTokenTtlSec = 600,
    refreshTokenTtlSec = 86_400,
    maxPageSize = 100,
    requireAuth = true,
    maxEvents = 100_000,
    onEvent,
    every = everyInterval,
    timers = REAL_TIMERS,
  } = options;

  const events = createSimEventList({ now, random, maxEvents, ...(onEvent ? { onAdd: onEvent } : {}) });
  const accessTokens = new Map<string, number>();
  const refreshTokens = new Map<string, number>();
  const usedRefreshTokens = new Set<string>();
  const tokenLog: TokenRequestRecord[] = [];
  const faults: { rate: Fault | null; maintenance: Fault | null; slow: Fault | null } = { rate: null, maintenance: null, slow: null };
  const pendingDelays = new Set<{ timer: unknown; resolve: () => void }>();
  let duplicate = false;
  let paused = false;
  const stopGenerating = eventIntervalMs > 0 ? every(eventIntervalMs, () => void (paused || events.generate())) : null;

  const controls: RestControls = {
    rateLimit: (count, retryAfterSec, scope = 'all') => void (faults.rate = { remaining: count, scope, value: retryAfterSec }),
    maintenance: (count, scope = 'all') => void (faults.maintenance = { remaining: count, scope, value: 0 }),
    slowResponses: (ms, count, scope = 'all') => void (faults.slow = { remaining: count, scope, value: ms }),
    expireAllAccessTokens: () => {
      for (const token of accessTokens.keys()) accessTokens.set(token, 0);
    },
    duplicateAcrossPages: (enabled) => void (duplicate = enabled),
    injectUnknownType: (type = 'user.brand-new-thing') => events.add(type, undefined),
    injectInvalidPayload: (type = 'user.update') => events.add(type, '{"action":"verification","success":tru'),
    addEvent: (type, payload) => events.add(type, payload),
    addEvents: (n) => Array.from({ length: n }, () => events.generate()),
    events: () => events.all(),
    tokenRequests: () => tokenLog.map((r) => ({ ...r })),
    pauseGeneration: (value) => void (paused = value),
    resetFaults: () => {
      faults.rate = faults.maintenance = faults.slow = null;
      duplicate = false;
    },
  };

  const handleControl = createControlHandler(controls);

  /** Consumes one use of a fault when it applies to this request. */
  function take(fault: Fault | null, scope: Exclude<FaultScope, 'all'>): Fault | null {
    if (!fault || fault.remaining <= 0 || (fault.scope !== 'all' && fault.scope !== scope)) return null;
    fault.remaining -= 1;
    return fault;
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: timers.setTimeout(() => (pendingDelays.delete(entry), resolve()), ms), resolve };
      pendingDelays.add(entry);
    });
  }

  function issuePair(at: number): Record<string, unknown> {
    const access = `sim_at_${randomBytes(18).toString('base64url')}`;
    const refresh = `sim_rt_${randomBytes(18).toString('base64url')}`;
    accessTokens.set(access, at + accessTokenTtlSec * 1000);
    refreshTokens.set(refresh, at + refreshTokenTtlSec * 1000);
    for (const [token, exp] of accessTokens) if (exp !== 0 && exp < at - 3_600_000) accessTokens.delete(token);
    return { access_token: access, refresh_token: refresh, expires_in: accessTokenTtlSec, token_type: 'Bearer' };
  }

  function token(contentType: string, body: string): { status: number; body: unknown; grantType: string } {
    const refuse = (status: number, code: string, title: string, grantType = 'unknown') => ({ status, body: errorBody(code, title), grantType });
    let fields: Record<string, string>;
    if (contentType === 'application/x-www-form-urlencoded') fields = Object.fromEntries(new URLSearchParams(body));
    else if (contentType === 'application/json') {
      const parsed = parseJsonOrUndefined(body);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(400, 'http.bad.request', 'The body is not a JSON object');
      fields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
    } else {
      return refuse(415, 'header.content.type', 'Expected Content-Type application/x-www-form-urlencoded or application/json');
    }
    const grant = fields.grant_type ?? 'missing';
    const at = now();
    if (grant === 'client_credentials') {
      if (!fields.client_id || !fields.client_secret) return refuse(400, 'http.bad.request', 'client_id and client_secret are required', grant);
      if (fields.client_id !== clientId || fields.client_secret !== clientSecret)
        return refuse(401, 'credentials.invalid', 'The client credentials are invalid', grant);
      return { status: 200, body: issuePair(at), grantType: grant };
    }
    if (grant === 'refresh_token') {
      const sent = fields.refresh_token;
      if (!sent || !fields.client_id) return refuse(400, 'http.bad.request', 'refresh_token and client_id are required', grant);
      if (fields.client_id !== clientId) return refuse(401, 'credentials.invalid', 'The client credentials are invalid', grant);
      const exp = refreshTokens.get(sent);
      if (exp === undefined) {
        return usedRefreshTokens.has(sent)
          ? refuse(400, 'refresh.token.invalid', 'The refresh token was already used', grant)
          : refuse(400, 'refresh.token.unknown', 'The refresh token is unknown', grant);
      }
      refreshTokens.delete(sent);
      usedRefreshTokens.add(sent);
      if (exp <= at) return refuse(400, 'refresh.token.invalid', 'The refresh token has expired', grant);
      return { status: 200, body: issuePair(at), grantType: grant };
    }
    return refuse(400, 'http.bad.request', `Unsupported grant_type: ${grant.slice(0, 40)}`, grant);
  }

  function listEvents(url: URL, authorization: string | undefined): { status: number; body: unknown } {
    if (requireAuth) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      const exp = match ? accessTokens.get(match[1] as string) : undefined;
      if (!match) return { status: 401, body: errorBody('token.missing', 'A Bearer access token is required') };
      if (exp === undefined) return { status: 401, body: errorBody('token.invalid', 'The access token is invalid') };
      if (exp <= now()) return { status: 401, body: errorBody('token.expired', 'The access token has expired') };
    }
    const sizeText = url.searchParams.get('size');
    const requested = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
    if (!Number.isInteger(requested) || requested < 1) return { status: 422, body: errorBody('size.invalid', 'size must be a positive integer') };
    const size = Math.min(requested, maxPageSize);
    const type = url.searchParams.get('type') || null;
    const afterId = url.searchParams.get('after_id') || null;
    if (afterId !== null && !UUID_PATTERN.test(afterId)) return { status: 422, body: errorBody('after_id.invalid', 'after_id must be an event id') };
    const page = events.page({ afterId, type, size, repeatAfter: duplicate });
    if (!page) return { status: 404, body: errorBody('event.not.found', 'No event with the id given as after_id') };
    const last = page.at(-1);
    return {
      status: 200,
      body: {
        data: page.map(({ id, type: t, payload, created_at }) => ({ id, type: t, payload, created_at })),
        meta: { size },
        links: { self: eventsLink(size, afterId, type), next: last ? eventsLink(size, last.id, type) : null },
      },
    };
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path.startsWith('/__sim/rest/')) {
      const raw = req.method === 'POST' ? await readBody(req) : '';
      const out = handleControl(path.slice('/__sim/rest/'.length), raw);
      logger.info({ control: path, status: out.status }, 'rest simulator control');
      return sendJson(res, out.status, out.body);
    }
    const scope = path === '/oauth/token' ? 'token' : 'events';
    const slow = take(faults.slow, scope);
    if (slow) await delay(slow.value);
    const rate = take(faults.rate, scope);
    if (rate) return sendJson(res, 429, errorBody('too.many.requests', 'Too many requests'), { 'retry-after': String(rate.value) });
    if (take(faults.maintenance, scope)) return sendJson(res, 503, errorBody('service.unavailable', 'Maintenance or service unavailable'));
    if (scope === 'token') {
      if (req.method !== 'POST') return sendJson(res, 405, errorBody('http.method.not.allowed', 'Use POST'), { allow: 'POST' });
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const out = token(contentType, await readBody(req));
      tokenLog.push({ grantType: out.grantType, ok: out.status === 200, at: now(), ...(out.status === 200 ? {} : { code: errorCode(out.body) }) });
      logger.debug({ grantType: out.grantType, status: out.status }, 'rest simulator token request');
      return sendJson(res, out.status, out.body, { 'cache-control': 'no-store' });
    }
    if (req.method !== 'GET') return sendJson(res, 405, errorBody('http.method.not.allowed', 'Use GET'), { allow: 'GET' });
    const out = listEvents(new URL(req.url ?? '/', 'http://simulator'), req.headers.authorization);
    return sendJson(res, out.status, out.body);
  }

  return {
    controls,
    isValidAccessToken: (t) => (accessTokens.get(t) ?? 0) > now(),
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path !== '/v1/events' && path !== '/oauth/token' && !path.startsWith('/__sim/rest/')) return false;
      serve(req, res, path).catch((error: unknown) => {
        logger.error({ err: error, path }, 'rest simulator failed to answer');
        if (!res.headersSent) sendJson(res, 500, errorBody('internal.error', 'Internal error'));
        else res.destroy();
      });
      return true;
    },
    close() {
      stopGenerating?.();
      for (const entry of pendingDelays) {
        timers.clearTimeout(entry.timer);
        entry.resolve();
      }
      pendingDelays.clear();
    },
  };
}

/** `POST /__sim/rest/<control>` with a JSON body: the same controls for another process. */
function createControlHandler(c: RestControls): (name: string, raw: string) => { status: number; body: unknown } {
  return (name, raw) => {
    const parsed = raw.trim() === '' ? {} : parseJsonOrUndefined(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { status: 400, body: errorBody('http.bad.request', 'The body must be a JSON object') };
    const b = parsed as Record<string, unknown>;
    const num = (key: string, fallback?: number): number => {
      const v = b[key] ?? fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`${key}: expected a non-negative number, got ${JSON.stringify(v)}`);
      return v;
    };
    const str = (key: string): string | undefined => (typeof b[key] === 'string' ? (b[key] as string) : undefined);
    const scope = (): FaultScope => {
      const v = b.scope ?? 'all';
      if (v !== 'all' && v !== 'events' && v !== 'token') throw new TypeError(`scope: expected all, events or token, got ${JSON.stringify(v)}`);
      return v;
    };
    const payload = b.payload as Payload | string | undefined;
    const table: Record<string, () => unknown> = {
      rateLimit: () => c.rateLimit(num('count'), num('retryAfterSec', 1), scope()),
      maintenance: () => c.maintenance(num('count'), scope()),
      slowResponses: () => c.slowResponses(num('ms'), num('count', 1), scope()),
      expireAllAccessTokens: () => c.expireAllAccessTokens(),
      duplicateAcrossPages: () => c.duplicateAcrossPages(b.enabled !== false),
      injectUnknownType: () => c.injectUnknownType(str('type')),
      injectInvalidPayload: () => c.injectInvalidPayload(str('type')),
      addEvent: () => c.addEvent(str('type') ?? 'user.update', payload),
      addEvents: () => c.addEvents(num('n', 1)),
      events: () => c.events(),
      tokenRequests: () => c.tokenRequests(),
      pauseGeneration: () => c.pauseGeneration(b.paused !== false),
      resetFaults: () => c.resetFaults(),
    };
    const run = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!run) return { status: 404, body: errorBody('control.unknown', `Unknown control: ${name.slice(0, 60)}`) };
    try {
      return { status: 200, body: { ok: true, result: run() ?? null } };
    } catch (error) {
      return { status: 400, body: errorBody('http.bad.request', (error as Error).message) };
    }
  };
}

function errorCode(body: unknown): string {
  return (body as ReturnType<typeof errorBody>).errors[0]?.code ?? 'unknown';
}

function eventsLink(size: number, afterId: string | null, type: string | null): string {
  const q = new URLSearchParams({ size: String(size) });
  if (afterId) q.set('after_id', afterId);
  if (type) q.set('type', type);
  return `/v1/events?${q.toString()}`;
}
