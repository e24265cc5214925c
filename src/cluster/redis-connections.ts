import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { redactUrl } from '../redact-url.js';

export interface RedisConnections {
  /** commands and publishes; fails fast while disconnected instead of queueing */
  command: Redis;
  /** subscriber mode; queues and resubscribes across reconnects */
  subscriber: Redis;
  /** both connections are up */
  connected(): boolean;
  /** what is wrong when not connected */
  problem(): string | null;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  url: string;
  logger?: Logger;
  /** shown by CLIENT LIST */
  name?: string;
  /** how long the first connection may take @default 10000 */
  connectTimeoutMs?: number;
  /** a command without an answer for this long fails @default 2000 */
  commandTimeoutMs?: number;
  /** reconnect delay cap @default 1000 */
  maxReconnectDelayMs?: number;
}

/**
 * The two Redis connections of a replica. ioredis reconnects on its own (with a delay growing to
 * `maxReconnectDelayMs`); this logs each loss and recovery once, and resolves when both are up.
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnections> {
  const { url, logger = silentLogger, name = 'bitpanda-gateway', connectTimeoutMs = 10_000, commandTimeoutMs = 2000, maxReconnectDelayMs = 1000 } = options;
  const shown = redactUrl(url);
  const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 10), maxReconnectDelayMs);
  const command = new Redis(url, {
    connectionName: `${name}:command`,
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    retryStrategy,
  });
  const subscriber = new Redis(url, {
    connectionName: `${name}:subscriber`,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy,
  });
  const lastError = new Map<Redis, string>();

  for (const [role, client] of [['command', command], ['subscriber', subscriber]] as const) {
    let wasReady = false;
    let up = false;
    client.on('ready', () => {
      lastError.delete(client);
      logger.info({ redis: shown, connection: role }, wasReady ? 'redis connection restored' : 'redis connected');
      wasReady = true;
      up = true;
    });
    client.on('error', (error: Error) => {
      const text = error.message;
      if (lastError.get(client) !== text) logger.warn({ redis: shown, connection: role, error: text }, 'redis error');
      lastError.set(client, text);
    });
    client.on('close', () => {
      if (!up) return;
      up = false;
      if (!lastError.has(client)) lastError.set(client, 'connection closed');
      if (client.status !== 'end') logger.warn({ redis: shown, connection: role }, 'redis connection lost; reconnecting');
    });
  }

  const close = async (): Promise<void> => {
    await Promise.all([command, subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(
        [command, subscriber].map((client) => {
          const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
          // a refused first attempt rejects here while ioredis goes on retrying
          client.connect().catch(() => undefined);
          return ready;
        }),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`REDIS_URL: Redis at ${shown} did not answer within ${connectTimeoutMs} ms (${lastError.get(command) ?? 'no reply'})`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    command,
    subscriber,
    connected: () => command.status === 'ready' && subscriber.status === 'ready',
    problem() {
      for (const [role, client] of [['command', command], ['subscriber', subscriber]] as const) {
        if (client.status !== 'ready') return `redis ${role} connection is ${client.status}${lastError.has(client) ? `: ${lastError.get(client)}` : ''}`;
      }
      return null;
    },
    close,
  };
}
