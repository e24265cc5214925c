import type { Server as HttpServer } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { CorsOrigins } from '../config.js';
import type { Services } from '../services.js';
import type { ConnectionLimits } from './fanout/connection-limits.js';
import { upgradeOriginAllowed } from './origins.js';
import type { TrustedDocuments } from './trusted-documents.js';
import { createSubscriptionGroups } from './fanout/groups.js';
import { createOperationPreparer } from './fanout/operation.js';
import { publicConnection, sharingPolicyOf, type AuthenticateConnection, type SharingPolicy } from './fanout/policy.js';
import { createProtocolServer } from './fanout/protocol-server.js';
import { createFanoutScheduler } from './fanout/scheduler.js';
import { attachWsTransport } from './fanout/ws-transport.js';
import { GRAPHQL_PATH, type Yoga } from './yoga.js';

export interface GraphQLWsOptions {
  /** permessage-deflate (`WS_COMPRESSION`): several times the CPU per message @default false */
  compression?: boolean;
  /** buffered bytes past which a socket is behind and frames wait (`WS_SEND_HIGH_WATER_BYTES`) @default 65536 */
  highWaterBytes?: number;
  /** bytes a connection may fall behind on lossless subscriptions before 1013 (`WS_SEND_LIMIT_BYTES`) @default 1048576 */
  limitBytes?: number;
  /** socket writes per event-loop turn during a fan-out @default 500 */
  chunkSize?: number;
  /** ms to wait for `connection_init` (`WS_CONNECTION_INIT_TIMEOUT_MS`) @default 3000 */
  connectionInitWaitTimeout?: number;
  /** ms between server pings @default 12000 */
  keepAliveMs?: number;
  /** who a connection is, at `connection_init`; groups never mix scopes @default everyone public */
  authenticate?: AuthenticateConnection;
  /** which subscriptions are shared, across which scopes, and which may be conflated @default what the schema declares (`extensions.fanout`) */
  policy?: SharingPolicy;
  /** hide internal error messages in close reasons (`NODE_ENV=production`) @default false */
  hideInternalErrors?: boolean;
  /** epoch ms clock, for the write latency of shared frames @default Date.now */
  now?: () => number;
  /** `MAX_REQUEST_BYTES`: the largest message a client may send (a larger subscribe gets a coded error) @default 102400 */
  maxPayload?: number;
  /** `MAX_SUBSCRIPTIONS_PER_CONNECTION` and the other bounds of one connection @default ConnectionLimits' defaults */
  limits?: ConnectionLimits;
  /** `CORS_ORIGINS`: upgrades with an `Origin` that is neither the gateway's own nor listed are refused (403) @default '*' */
  corsOrigins?: CorsOrigins;
  /** `TRUSTED_DOCUMENTS`, resolved on each `subscribe` as over HTTP @default null */
  trustedDocuments?: TrustedDocuments | null;
}

/**
 * `graphql-transport-ws` on the GraphQL path of the same port. Parsing, validation, context
 * and execution go through Yoga's envelop, so both transports share plugins and error codes.
 * Subscriptions with the same operation, variables and scope are executed once per event and
 * the same frame text goes to every subscriber; sockets that fall behind are conflated
 * (prices) or closed with 1013 (lossless subscriptions). Bad operations get coded errors and
 * the connection stays open.
 */
export function attachGraphQLWs(options: { server: HttpServer; yoga: Yoga; services: Services } & GraphQLWsOptions): {
  wss: WebSocketServer;
  /** open connections */
  connections(): number;
  close(): Promise<void>;
} {
  const {
    server,
    yoga,
    services,
    compression = false,
    highWaterBytes = 65_536,
    limitBytes = 1_048_576,
    chunkSize = 500,
    connectionInitWaitTimeout = 3000,
    keepAliveMs = 12_000,
    authenticate = publicConnection,
    policy = sharingPolicyOf(yoga.getEnveloped().schema),
    hideInternalErrors = false,
    now = Date.now,
    maxPayload = 102_400,
    limits = {},
    corsOrigins = '*',
    trustedDocuments = null,
  } = options;
  const logger = services.logger.child({ component: 'graphql-ws' });

  let transport: ReturnType<typeof attachWsTransport> | null = null;
  const outboxes = () => transport?.outboxes() ?? [];
  const metrics = services.metrics.fanout;
  const scheduler = createFanoutScheduler({
    chunkSize,
    onDelivered: (n) => metrics.delivered(n),
    // once per group and event, when its frame reached the group's last socket (see FanoutScheduler)
    onWritten: (field, receivedAt) => metrics.written(field, Math.max(0, now() - receivedAt) / 1000),
  });
  services.metrics.gauges.fanout({
    groups: () => groups.groups,
    members: () => groups.members,
    backlog: () => scheduler.backlog,
    queuedBytes: () => {
      let sum = 0;
      for (const o of outboxes()) sum += o.queuedBytes;
      return sum;
    },
    bufferedMax: () => {
      let max = 0;
      for (const o of outboxes()) max = Math.max(max, o.bufferedAmount);
      return max;
    },
    subscriptions: () => protocol.subscriptions,
    watch: (listener) => groups.watch(listener),
  });
  const groups = createSubscriptionGroups({ yoga, scheduler, metrics });
  const protocol = createProtocolServer({
    prepare: createOperationPreparer({ yoga, policy, trustedDocuments }),
    limits,
    groups,
    metrics,
    connectionInitWaitTimeout,
    authenticate,
    outbox: { highWaterBytes, limitBytes },
    hideInternalErrors,
    onInternalError: (error) => logger.error({ err: error }, 'internal error while serving a GraphQL WebSocket'),
  });
  transport = attachWsTransport({
    server,
    path: GRAPHQL_PATH,
    protocol,
    compression,
    keepAliveMs,
    hideInternalErrors,
    maxPayload,
    // frames held for one write per socket and turn stay below the mark at which a socket is behind
    holdLimitBytes: Math.min(16_384, highWaterBytes),
    allowUpgrade: (request) => upgradeOriginAllowed(corsOrigins, request),
    onError: (error, where) => logger.error({ err: error, where }, 'GraphQL WebSocket error'),
  });
  const attached = transport;
  return { wss: attached.wss, connections: () => attached.connections(), close: () => attached.close() };
}
