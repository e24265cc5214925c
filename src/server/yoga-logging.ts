import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Yoga's logger on pino. Yoga logs a masked error as the bare Error object, which pino would
 * write as `{"yoga":[{}]}` (an Error has no enumerable fields): errors go under `err`, where
 * pino's serializer writes their type, message and stack, and the log line says what Yoga said.
 */
export function yogaLogger(logger: Logger): YogaLogger {
  const log =
    (level: Level) =>
    (...args: unknown[]): void => {
      const err = args.find((a): a is Error => a instanceof Error);
      const rest = args.filter((a) => a !== err);
      const text = rest.filter((a): a is string => typeof a === 'string').join(' ');
      const others = rest.filter((a) => typeof a !== 'string');
      const fields: Record<string, unknown> = { component: 'yoga' };
      if (err) fields['err'] = err;
      if (others.length > 0) fields['yoga'] = others;
      logger[level](fields, text || (err ? `yoga: ${err.message}` : 'yoga'));
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
