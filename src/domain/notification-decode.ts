import Big from 'big.js';
import { isDecimalString } from './decimal.js';
import type { NotificationRecord } from './notification.js';
import { NOTIFICATION_KIND_TABLE, isJsonObject, type JsonObject } from './notification-kinds.js';
import { NOTIFICATION_REGISTRY, UNKNOWN_KIND, type DecodedNotification } from './notification-registry.js';

/**
 * The typed view of a stored event, and the readers its typed fields use. Decoding never
 * throws and never drops anything: whatever does not fit a known shape becomes
 * `UnknownNotification` with its payload kept as received. Which shapes exist is the
 * registry's (notification-kinds.ts).
 */

export { isJsonObject, type DecodedNotification, type JsonObject };
export { savingsPlanTradeOutcome } from './notification-kinds.js';

/** The union members of this release: one per kind, then `UnknownNotification`. */
export const NOTIFICATION_KINDS = NOTIFICATION_REGISTRY.kindNames;
export type NotificationKind = (typeof NOTIFICATION_KIND_TABLE)[number]['name'] | typeof UNKNOWN_KIND;

/** Every subscriber of an event gets the same result object: its payload is parsed once. */
export function decodeNotification(record: NotificationRecord): DecodedNotification {
  return NOTIFICATION_REGISTRY.decode(record);
}

/** The value under `key` when `payload` is an object, else undefined. */
export function field(payload: unknown, key: string): unknown {
  return isJsonObject(payload) ? payload[key] : undefined;
}

/** A string field; numbers become their decimal text, so `397` and a UUID both serve as ids. */
export function str(payload: unknown, key: string): string | null {
  const value = field(payload, key);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return numberText(value);
  return null;
}

/**
 * A decimal field, exactly as sent when it is a decimal string. A JSON number has already lost
 * its source text to JSON.parse; it is written back as the shortest decimal that reads as the
 * same number (exact for every value of up to 15 significant digits). Anything else is null.
 */
export function decimal(payload: unknown, key: string): string | null {
  const value = field(payload, key);
  if (typeof value === 'string') return isDecimalString(value) ? value : null;
  if (typeof value === 'number' && Number.isFinite(value)) return numberText(value);
  return null;
}

function numberText(value: number): string {
  return new Big(value).toFixed();
}

/** A boolean field; the strings "true" and "false" count too. */
export function bool(payload: unknown, key: string): boolean | null {
  const value = field(payload, key);
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** An integer field (a JSON integer or a string of digits) within the safe integer range. */
export function int(payload: unknown, key: string): number | null {
  const value = field(payload, key);
  const n = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
}

/** The object elements of an array field; other elements are skipped. */
export function objects(payload: unknown, key: string): JsonObject[] {
  const value = field(payload, key);
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * A point in time as an ISO 8601 UTC string (`2023-01-19T10:50:38.000Z`), or null.
 * Accepts Unix seconds (number or digit string), ISO 8601 with or without an offset and
 * `YYYY-MM-DD HH:MM:SS`; a value without an offset is taken as UTC.
 */
export function toIsoTimestamp(value: unknown): string | null {
  if (typeof value === 'number') return fromMillis(value * 1000);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{1,12}(\.\d+)?$/.test(text)) return fromMillis(Number(text) * 1000);
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [, date = '', time = '00:00:00', zone] = match;
  if (!isCalendarDate(date)) return null;
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : normaliseOffset(zone);
  const millis = Date.parse(`${date}T${time}${offset}`);
  return Number.isNaN(millis) ? null : fromMillis(millis);
}

/** `toIsoTimestamp` of a payload field. */
export function timestamp(payload: unknown, key: string): string | null {
  return toIsoTimestamp(field(payload, key));
}

const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A point in time for output: an ISO 8601 date-time that already states its zone is kept
 * exactly as sent (its offset and sub-millisecond digits intact); anything else accepted by
 * `toIsoTimestamp` is normalised to UTC. Null when it is not a point in time.
 */
export function dateTimeText(value: unknown): string | null {
  if (typeof value === 'string' && ZONED_ISO.test(value) && toIsoTimestamp(value) !== null) return value;
  return toIsoTimestamp(value);
}

/** `dateTimeText` of a payload field. */
export function dateTime(payload: unknown, key: string): string | null {
  return dateTimeText(field(payload, key));
}

function isCalendarDate(date: string): boolean {
  const [y = NaN, m = NaN, d = NaN] = date.split('-').map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

function normaliseOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
}

function fromMillis(millis: number): string | null {
  if (!Number.isFinite(millis)) return null;
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
