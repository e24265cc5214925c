import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { silentLogger, type Logger } from '../logger.js';
import { createPriceSimulator, type PriceSimulator, type PriceSimulatorControls, type PriceSimulatorOptions } from './price-server.js';
import { errorBody, readBody, sendJson } from './http-bodies.js';
import { createRestSimulator, type RestSimulator, type RestSimulatorOptions } from './rest-server.js';
import { listen } from '../listen.js';
import { createWebhookPusher, type WebhookPusher, type WebhookPusherOptions } from './webhook-pusher.js';
import type { WebhookFault } from './webhook-sender.js';

export interface SimulatorOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** @default silentLogger */
  logger?: Logger;
  prices?: PriceSimulatorOptions;
  rest?: RestSimulatorOptions;
  /** The WebSocket upgrade needs a bearer token the REST simulator issued. @default false */
  requireAuth?: boolean;
  /** the webhook sender: it pushes nothing until `webhooks.start(target)` */
  webhooks?: WebhookPusherOptions;
}

export interface Simulator {
  /** http://host:port */
  url: string;
  /** ws://host:port/ */
  wsUrl: string;
  apiUrl: string;
  tokenUrl: string;
  prices: PriceSimulator;
  rest: RestSimulator;
  /** pushes each new event as a signed webhook once started */
  webhooks: WebhookPusher;
  stop(): Promise<void>;
}

const PRICE_CONTROL_PREFIX = '/__sim/prices/';
const WEBHOOK_CONTROL_PREFIX = '/__sim/webhooks/';
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).trim();
  if (text === '') return {};
  const body: unknown = JSON.parse(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('expected a JSON object body');
  return body as Record<string, unknown>;
}

/** Runs one price-simulator control from a JSON body; throws with what was expected. */
function runPriceControl(controls: PriceSimulatorControls, name: string, body: Record<string, unknown>): unknown {
  const str = (key: string): string => {
    const v = body[key];
    if (typeof v !== 'string') throw new Error(`${name}: expected "${key}" to be a string, got ${JSON.stringify(v) ?? 'nothing'}`);
    return v;
  };
  const bool = (key: string): boolean => body[key] !== false;
  switch (name) {
    case 'dropAll':
      return controls.dropAll();
    case 'sendRaw':
      return controls.sendRaw(str('text'));
    case 'stallAll':
      return controls.stallAll(bool('stalled'));
    case 'stallPair':
      return controls.stallPair(str('asset'), str('fiat'), bool('stalled'));
    case 'refuseConnections': {
      const ms = body.ms;
      if (typeof ms !== 'number' || !(ms >= 0)) throw new Error(`refuseConnections: expected "ms" >= 0, got ${JSON.stringify(ms) ?? 'nothing'}`);
      return controls.refuseConnections(ms);
    }
    case 'suppressPongs':
      return controls.suppressPongs(bool('suppressed'));
    case 'emitPrice':
      return controls.emitPrice(str('asset'), str('fiat'), { ask: str('ask'), bid: str('bid') });
    case 'subscribeActions':
      return controls.subscribeActions();
    default:
      return undefined;
  }
}

/** Runs one webhook control from a JSON body; undefined for an unknown one. */
async function runWebhookControl(sim: Pick<Simulator, 'webhooks' | 'rest'>, name: string, body: Record<string, unknown>): Promise<unknown> {
  const { controls } = sim.webhooks;
  const count = (key: string, fallback: number): number => {
    const v = body[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10_000) throw new Error(`${name}: expected "${key}" to be an integer from 1 to 10000, got ${JSON.stringify(v)}`);
    return v;
  };
  switch (name) {
    case 'fault':
      return controls.fault(body.kind as WebhookFault, count('count', 1));
    case 'replay':
      return controls.replayLast();
    case 'pause':
      return controls.pause(body.paused !== false);
    case 'burst': {
      // new events, each pushed at once: all of them in flight together
      const events = sim.rest.controls.addEvents(count('n', 200));
      await controls.idle();
      return { events: events.length, results: controls.results().slice(-events.length).map((r) => r.result.status) };
    }
    case 'push': {
      const type = typeof body.type === 'string' ? body.type : 'user.update';
      const event = sim.rest.controls.addEvent(type, body.payload as Record<string, unknown> | undefined);
      await controls.idle();
      return { event, result: controls.results().at(-1)?.result ?? null };
    }
    case 'results':
      return controls.results();
    default:
      return undefined;
  }
}

const KNOWN_WEBHOOK_CONTROLS = new Set(['fault', 'replay', 'pause', 'burst', 'push', 'results']);

const KNOWN_CONTROLS = new Set(['dropAll', 'sendRaw', 'stallAll', 'stallPair', 'refuseConnections', 'suppressPongs', 'emitPrice', 'subscribeActions']);

/**
 * One HTTP server for the whole Bitpanda-compatible upstream: the price WebSocket on upgrade
 * (any path), the REST endpoints, `POST /__sim/prices/<control>` to drive price faults from
 * another process, and `POST /__sim/webhooks/<control>` for the webhook sender's (`fault`
 * {kind: bad-signature|stale-created|tampered-body, count}, `replay`, `burst` {n}, `pause`
 * {paused}, `push` {type, payload}, `results`).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { host = '127.0.0.1', port = 0, logger = silentLogger, prices: priceOptions = {}, rest: restOptions = {}, requireAuth = false } = options;

  const webhooks = createWebhookPusher({ logger, ...options.webhooks });
  const rest = createRestSimulator({ logger, ...restOptions, onEvent: (event) => webhooks.onEvent(event) });
  const prices = createPriceSimulator({
    logger,
    ...priceOptions,
    ...(requireAuth ? { authorize: (token: string | undefined) => token !== undefined && rest.isValidAccessToken(token) } : {}),
  });

  async function handlePriceControl(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, errorBody('http.method.not.allowed', `expected POST, got ${req.method}`));
    if (!KNOWN_CONTROLS.has(name)) return sendJson(res, 404, errorBody('control.unknown', `Unknown control: ${name.slice(0, 60)}`));
    try {
      const result = runPriceControl(prices.controls, name, await readJson(req));
      sendJson(res, 200, { ok: true, result: result ?? null });
    } catch (error) {
      sendJson(res, 400, errorBody('http.bad.request', (error as Error).message));
    }
  }

  async function handleWebhookControl(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, errorBody('http.method.not.allowed', `expected POST, got ${req.method}`));
    if (!KNOWN_WEBHOOK_CONTROLS.has(name)) return sendJson(res, 404, errorBody('control.unknown', `Unknown control: ${name.slice(0, 60)}`));
    try {
      const result = await runWebhookControl({ webhooks, rest }, name, await readJson(req));
      sendJson(res, 200, { ok: true, result: result ?? null });
    } catch (error) {
      sendJson(res, 400, errorBody('http.bad.request', (error as Error).message));
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith(WEBHOOK_CONTROL_PREFIX)) {
      void handleWebhookControl(req, res, path.slice(WEBHOOK_CONTROL_PREFIX.length));
      return;
    }
    if (path.startsWith(PRICE_CONTROL_PREFIX)) {
      void handlePriceControl(req, res, path.slice(PRICE_CONTROL_PREFIX.length));
      return;
    }
    if (rest.handle(req, res)) return;
    sendJson(res, 404, errorBody('http.not.found', `Not found: ${req.method} ${path.slice(0, 100)}`));
  });
  prices.attach(server);

  const address = await listen(server, port, host);
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}`;

  let stopped: Promise<void> | null = null;
  return {
    url,
    wsUrl: `ws://${hostPart}:${address.port}/`,
    apiUrl: url,
    tokenUrl: `${url}/oauth/token`,
    prices,
    rest,
    webhooks,
    stop() {
      stopped ??= (async () => {
        webhooks.stop();
        await prices.close();
        rest.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}
