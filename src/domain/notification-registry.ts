import type { NotificationRecord } from './notification.js';
import { NOTIFICATION_KIND_TABLE, isJsonObject, type NotificationKindSpec } from './notification-kinds.js';

/**
 * Everything derived from a table of notification kinds: the upstream types known, the
 * NotificationType enum values, the member a stored event decodes to. The schema and the
 * simulator read the same registry, so a kind is declared once.
 */

export const UNKNOWN_TYPE = 'UNKNOWN';
export const UNKNOWN_KIND = 'UnknownNotification';

/** `user.non-user-initiated-tx-v2` → `USER_NON_USER_INITIATED_TX_V2` */
export function notificationTypeName(rawType: string): string {
  return rawType.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

export interface DecodedNotification {
  /** the member of the union: a kind's `name`, or `UnknownNotification` */
  kind: string;
  record: NotificationRecord;
  /** the parsed payload, untouched; the raw text itself when it is not valid JSON */
  payload: unknown;
}

export interface NotificationRegistry {
  /** in table order */
  readonly kinds: readonly NotificationKindSpec[];
  /** the distinct upstream types, in table order */
  readonly rawTypes: readonly string[];
  /** the enum values: one per upstream type, then UNKNOWN */
  readonly notificationTypes: readonly string[];
  /** the member names: one per kind, then UnknownNotification */
  readonly kindNames: readonly string[];
  isKnown(rawType: string): boolean;
  /** the enum value of an upstream type: its upper snake name when known, else UNKNOWN */
  typeOf(rawType: string): string;
  /** the upstream type of an enum value, null for UNKNOWN or a value not in the enum */
  rawTypeOf(notificationType: string): string | null;
  /** which member a record is; never throws, never drops anything. Each record is parsed once. */
  decode(record: NotificationRecord): DecodedNotification;
}

const GRAPHQL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the table once, at construction: names unique and valid, shared raw types decided by predicates. */
function validate(kinds: readonly NotificationKindSpec[]): Map<string, NotificationKindSpec[]> {
  const byRawType = new Map<string, NotificationKindSpec[]>();
  const names = new Set<string>([UNKNOWN_KIND]);
  const typeNames = new Map<string, string>();
  for (const kind of kinds) {
    if (!GRAPHQL_NAME.test(kind.name) || names.has(kind.name)) {
      throw new Error(`notification kinds: expected a unique GraphQL type name, got ${JSON.stringify(kind.name)} for ${kind.rawType}`);
    }
    names.add(kind.name);
    const typeName = notificationTypeName(kind.rawType);
    const clash = typeNames.get(typeName);
    if (kind.rawType === '' || typeName === UNKNOWN_TYPE || (clash !== undefined && clash !== kind.rawType)) {
      throw new Error(`notification kinds: expected a raw type with an enum name of its own, got ${JSON.stringify(kind.rawType)} (${typeName})`);
    }
    typeNames.set(typeName, kind.rawType);
    const members = byRawType.get(kind.rawType) ?? [];
    members.push(kind);
    byRawType.set(kind.rawType, members);
  }
  for (const [rawType, members] of byRawType) {
    if (members.length > 1 && members.some((m) => !m.matches)) {
      throw new Error(`notification kinds: ${rawType} has ${members.length} kinds; expected a \`matches\` predicate on each, got ${members.filter((m) => !m.matches).map((m) => m.name).join(', ')} without`);
    }
  }
  return byRawType;
}

export function createNotificationRegistry(kinds: readonly NotificationKindSpec[]): NotificationRegistry {
  const byRawType = validate(kinds);
  const rawTypes = [...byRawType.keys()];
  const rawTypeByName = new Map(rawTypes.map((raw) => [notificationTypeName(raw), raw]));
  const decoded = new WeakMap<NotificationRecord, DecodedNotification>();

  function kindOf(rawType: string, payload: unknown): string {
    const members = byRawType.get(rawType);
    if (!members || !isJsonObject(payload)) return UNKNOWN_KIND;
    const found = members.find((m) => !m.matches || m.matches(payload));
    return found?.name ?? UNKNOWN_KIND;
  }

  function decode(record: NotificationRecord): DecodedNotification {
    let payload: unknown;
    try {
      payload = JSON.parse(record.payloadText);
    } catch {
      return { kind: UNKNOWN_KIND, record, payload: record.payloadText };
    }
    return { kind: kindOf(record.rawType, payload), record, payload };
  }

  return {
    kinds,
    rawTypes,
    notificationTypes: [...rawTypeByName.keys(), UNKNOWN_TYPE],
    kindNames: [...kinds.map((k) => k.name), UNKNOWN_KIND],
    isKnown: (rawType) => byRawType.has(rawType),
    typeOf: (rawType) => (byRawType.has(rawType) ? notificationTypeName(rawType) : UNKNOWN_TYPE),
    rawTypeOf: (name) => rawTypeByName.get(name) ?? null,
    decode(record) {
      let result = decoded.get(record);
      if (!result) {
        result = decode(record);
        decoded.set(record, result);
      }
      return result;
    },
  };
}

/** The kinds of this release. */
export const NOTIFICATION_REGISTRY: NotificationRegistry = createNotificationRegistry(NOTIFICATION_KIND_TABLE);
