import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import { attachGraphQLWs, type GraphQLWsOptions } from './graphql-ws.js';
import { GRAPHQL_PATH, type Yoga } from './yoga.js';
import { listen } from '../listen.js';
import type { HeldPort } from '../held-port.js';
import { redactText } from '../redact-text.js';
import { handleWebhookHttp } from '../upstream/webhooks/node-http.js';
import type { WebhookReceiver } from '../upstream/webhooks/receiver.js';
import { createDrain, isEventStream, type DrainResult } from './drain.js';

export interface Readiness {
  ready: boolean;
  /** what is missing, for the 503 body and the logs */
  reasons: string[];
  checks: Record<string, boolean>;
}

export interface HttpServerOptions {
  yoga: Yoga;
  services: Services;
  readiness: () => Promise<Readiness> | Readiness;
  /** permessage-deflate on the GraphQL WebSocket @default false */
  compression?: boolean;
  /** budgets, timeouts and sharing of the GraphQL WebSocket */
  ws?: GraphQLWsOptions;
  /** ms a client has to send a whole request, body included (Node's default is 300 s; SSE responses are not bound by it) @default 30000 */
  requestTimeoutMs?: number;
  /** ms a client has to send a request's headers @default 10000 */
  headersTimeoutMs?: number;
  /** `POST /webhooks/bitpanda/<event type>`; none: no webhook route (`EVENTS_SOURCE=poll`) */
  webhooks?: WebhookReceiver | null;
  /** the longest `stop()` waits for requests in flight to finish @default 10000 */
  drainMs?: number;
  /** the port already bound (holdPort): the server takes it over instead of binding `port` @default none */
  heldPort?: HeldPort | null;
}

export interface RunningServer {
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  port: number;
  /**
   * Stops gracefully: `/ready` answers 503 at once, GraphQL WebSockets close with 1001, event
   * streams end, requests in flight finish (for up to `drainMs`), then the port closes.
   */
  stop(): Promise<void>;
}

const SHUTTING_DOWN = { status: 'shutting down', reasons: ['the gateway is shutting down'], checks: {} };

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** One port: GraphQL over HTTP/SSE/WebSocket on /graphql, plus /health, /ready, /metrics and the webhook route. */
export async function startHttpServer(
  options: HttpServerOptions & { port: number; host: string },
): Promise<RunningServer> {
  const { yoga, services, readiness, compression = false, ws: wsOptions = {}, webhooks = null, drainMs = 10_000, port, host, requestTimeoutMs = 30_000, headersTimeoutMs = 10_000, heldPort = null } = options;
  const drain = createDrain();
  // a slow body or slow headers hold a connection for these long at most (checked every second)
  const timeouts = { requestTimeout: requestTimeoutMs, headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs), connectionsCheckingInterval: 1000 };
  const server = createServer(timeouts, (req: IncomingMessage, res: ServerResponse) => {
    drain.track(req, res);
    const path = (req.url ?? '/').split('?', 1)[0];
    if (webhooks?.matches(req.url ?? '/')) return void handleWebhookHttp(webhooks, req, res);
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (drain.draining && (path === '/ready' || isEventStream(req))) return json(res, 503, SHUTTING_DOWN);
    if (path === '/ready') {
      Promise.resolve(readiness()).then(
        (r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', reasons: r.reasons.map((reason) => redactText(reason)), checks: r.checks }),
        (error: unknown) => json(res, 503, { status: 'not ready', reasons: [redactText(String(error))], checks: {} }),
      );
      return;
    }
    if (path === '/metrics') {
      services.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': services.metrics.contentType });
          res.end(text);
        },
        (error: unknown) => json(res, 500, { error: `metrics could not be collected: ${String(error)}` }),
      );
      return;
    }
    if (path === '/') {
      res.writeHead(302, { location: GRAPHQL_PATH });
      return void res.end();
    }
    return void yoga.handle(req, res);
  });
  server.keepAliveTimeout = 5_000;

  // attached before the connections that waited on a held port are handed over, after a bind of
  // our own: a port in use is then the listen's error alone
  let ws: ReturnType<typeof attachGraphQLWs> | null = null;
  if (heldPort) ws = attachGraphQLWs({ compression, ...wsOptions, server, yoga, services });
  const address = heldPort ? await heldPort.handOver(server) : await listen(server, port, host);
  ws ??= attachGraphQLWs({ compression, ...wsOptions, server, yoga, services });
  services.metrics.gauges.connections(() => ws.connections());
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${address.port}`;
  let stopping: Promise<void> | null = null;
  return {
    url: base,
    graphqlUrl: `${base}${GRAPHQL_PATH}`,
    wsUrl: `ws://${shownHost}:${address.port}${GRAPHQL_PATH}`,
    port: address.port,
    stop() {
      stopping ??= (async () => {
        const log = services.logger;
        const sockets = ws.connections();
        const closingWs = ws.close();
        log.info({ drainMs, webSockets: sockets }, `draining: /ready answers 503, ${sockets} GraphQL WebSockets closing with 1001, requests in flight finishing (at most ${drainMs} ms)`);
        const drained: DrainResult = await drain.start(drainMs);
        log.info(drained, `drained: ${drained.finished} requests finished, ${drained.cut} cut, ${drained.streamsEnded} event streams ended`);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closingWs;
        server.closeIdleConnections();
        server.closeAllConnections();
        await closed;
        await yoga.dispose();
      })();
      return stopping;
    },
  };
}
