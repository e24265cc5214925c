import Big from 'big.js';
import { isDecimalString } from './decimal.js';
import type { KnownEventType, NotificationRecord } from './notification.js';

/**
 * The typed view of a stored event: which member of the notification union it is, decided
 * from its type and payload. Decoding never throws and never drops anything: whatever does not
 * fit a known shape becomes `UnknownNotification` with its payload kept as received.
 */

export const NOTIFICATION_KINDS = [
  'UserUpdate',
  'CorporateAction',
  'NonUserInitiatedTransaction',
  'NonUserInitiatedTransactionV2',
  'SendMoney',
  'SendMoneySuccess',
  'TopUp',
  'TopUpSuccess',
  'SavingsPlanNotice',
  'SavingsPlanTradeSucceeded',
  'SavingsPlanTradeFailed',
  'CryptoTransfer',
  'CryptoAction',
  'AutomatedOrder',
  'UnknownNotification',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface DecodedNotification {
  kind: NotificationKind;
  record: NotificationRecord;
  /** the parsed payload, untouched; the raw text itself when it is not valid JSON */
  payload: unknown;
}

export type JsonObject = Record<string, unknown>;

/** One kind per upstream type; `null` where the payload decides (savings-plan trades). */
const KIND_BY_TYPE: Record<KnownEventType, NotificationKind | null> = {
  'user.update': 'UserUpdate',
  'user.corporate-action': 'CorporateAction',
  'user.non-user-initiated-tx': 'NonUserInitiatedTransaction',
  'user.non-user-initiated-tx-v2': 'NonUserInitiatedTransactionV2',
  'account.send-money': 'SendMoney',
  'account.send-money-success': 'SendMoneySuccess',
  'account.top-up': 'TopUp',
  'account.top-up-success': 'TopUpSuccess',
  'user.savings-plan-notification': 'SavingsPlanNotice',
  'user.savings-plan-trade-notification': null,
  'user.crypto-transfer-notification': 'CryptoTransfer',
  'user.crypto-action': 'CryptoAction',
  'user.automated-order': 'AutomatedOrder',
};

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(payload: JsonObject, key: string): boolean {
  const value = payload[key];
  return value !== undefined && value !== null && value !== '';
}

/**
 * Success or failure of a savings-plan trade. The status decides when it is one of the two
 * documented values; otherwise an error code or message means failure, an offer or trade id
 * means success, and anything else is not recognised.
 */
export function savingsPlanTradeKind(
  payload: JsonObject,
): 'SavingsPlanTradeSucceeded' | 'SavingsPlanTradeFailed' | null {
  const status = payload['savings_plan_transaction_status'];
  if (status === 'finished') return 'SavingsPlanTradeSucceeded';
  if (status === 'not_confirmed') return 'SavingsPlanTradeFailed';
  if (present(payload, 'error_code') || present(payload, 'error_message')) return 'SavingsPlanTradeFailed';
  if (present(payload, 'offer_id') || present(payload, 'trade_id')) return 'SavingsPlanTradeSucceeded';
  return null;
}

/** Every subscriber of an event gets the same record object: its payload is parsed once. */
const decoded = new WeakMap<NotificationRecord, DecodedNotification>();

export function decodeNotification(record: NotificationRecord): DecodedNotification {
  let result = decoded.get(record);
  if (!result) {
    result = decode(record);
    decoded.set(record, result);
  }
  return result;
}

function decode(record: NotificationRecord): DecodedNotification {
  let payload: unknown;
  try {
    payload = JSON.parse(record.payloadText);
  } catch {
    return { kind: 'UnknownNotification', record, payload: record.payloadText };
  }
  const known = Object.hasOwn(KIND_BY_TYPE, record.rawType)
    ? KIND_BY_TYPE[record.rawType as KnownEventType]
    : undefined;
  if (known === undefined || !isJsonObject(payload)) return { kind: 'UnknownNotification', record, payload };
  const kind = known ?? savingsPlanTradeKind(payload) ?? 'UnknownNotification';
  return { kind, record, payload };
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
