import {
  bool,
  dateTime,
  dateTimeText,
  decimal,
  int,
  str,
  type DecodedNotification,
  type NotificationKind,
} from '../domain/notification-decode.js';
import { KNOWN_EVENT_TYPES, NOTIFICATION_TYPES, encodeCursor, notificationTypeName } from '../domain/notification.js';
import { builder } from './builder.js';

/** The GraphQL object type of each union member. */
export const NOTIFICATION_TYPE_NAMES: Record<NotificationKind, string> = {
  UserUpdate: 'UserUpdateNotification',
  CorporateAction: 'CorporateActionNotification',
  NonUserInitiatedTransaction: 'NonUserInitiatedTransactionNotification',
  NonUserInitiatedTransactionV2: 'NonUserInitiatedTransactionV2Notification',
  SendMoney: 'SendMoneyNotification',
  SendMoneySuccess: 'SendMoneySuccessNotification',
  TopUp: 'TopUpNotification',
  TopUpSuccess: 'TopUpSuccessNotification',
  SavingsPlanNotice: 'SavingsPlanNotification',
  SavingsPlanTradeSucceeded: 'SavingsPlanTradeSucceededNotification',
  SavingsPlanTradeFailed: 'SavingsPlanTradeFailedNotification',
  CryptoTransfer: 'CryptoTransferNotification',
  CryptoAction: 'CryptoActionNotification',
  AutomatedOrder: 'AutomatedOrderNotification',
  UnknownNotification: 'UnknownNotification',
};

export function notificationTypeNameOf(notification: DecodedNotification): string {
  return NOTIFICATION_TYPE_NAMES[notification.kind];
}

const RAW_TYPE_BY_NAME = new Map<string, string>(KNOWN_EVENT_TYPES.map((t) => [notificationTypeName(t), t]));

export const NotificationTypeEnum = builder.enumType('NotificationType', {
  description: 'The upstream event type, in upper snake case; UNKNOWN for types newer than this release.',
  values: Object.fromEntries(
    NOTIFICATION_TYPES.map((name) => {
      const raw = RAW_TYPE_BY_NAME.get(name);
      const description = raw
        ? `Upstream type \`${raw}\`.`
        : 'An upstream type this release does not know yet; `rawType` names it.';
      return [name, { value: name, description }];
    }),
  ) as Record<string, { value: string; description: string }>,
});

export const NotificationInterface = builder.interfaceRef<DecodedNotification>('Notification').implement({
  description: 'What every notification event has, whatever its type.',
  resolveType: notificationTypeNameOf,
  fields: (t) => ({
    id: t.id({ description: 'The upstream event id.', resolve: (n) => n.record.id }),
    type: t.field({
      type: NotificationTypeEnum,
      description: 'The event type; UNKNOWN when `rawType` is newer than this release.',
      resolve: (n) => n.record.type,
    }),
    rawType: t.string({ description: 'The upstream type string, exactly as sent.', resolve: (n) => n.record.rawType }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the upstream created the event.',
      resolve: (n) => dateTimeText(n.record.createdAt) ?? n.record.createdAt,
    }),
    userId: t.id({
      nullable: true,
      description: 'The `user_id` of the payload, when it has one.',
      resolve: (n) => n.record.userId,
    }),
    cursor: t.string({
      description: 'This event’s position in the log, to resume a connection or a subscription after it.',
      resolve: (n) => encodeCursor(n.record.seq),
    }),
    payload: t.field({
      type: 'JSON',
      description: 'The upstream payload, parsed and untouched; its raw text when it is not valid JSON.',
      resolve: (n) => n.payload ?? n.record.payloadText,
    }),
  }),
});

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Fields<Parent> = PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, Parent>;

/** How a payload value is exposed; every such field is nullable since upstream may omit it. */
export type PayloadFieldKind = 'ID' | 'String' | 'Decimal' | 'Int' | 'Boolean' | 'DateTime';

/** [kind, upstream key, optional description] */
export type PayloadFieldSpec = readonly [PayloadFieldKind, string, string?];

const INT32_MAX = 2 ** 31 - 1;

/**
 * Declares one nullable field per spec, read from the object that `source` returns.
 * The description names the upstream key.
 */
export function payloadFields<Parent>(
  t: Fields<Parent>,
  source: (parent: Parent) => unknown,
  specs: Record<string, PayloadFieldSpec>,
) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, [kind, key, note]]) => {
      const description = note ? `Upstream \`${key}\`: ${note}.` : `Upstream \`${key}\`.`;
      const common = { nullable: true, description } as const;
      switch (kind) {
        case 'ID':
          return [name, t.id({ ...common, resolve: (p) => str(source(p), key) })];
        case 'String':
          return [name, t.string({ ...common, resolve: (p) => str(source(p), key) })];
        case 'Decimal':
          return [name, t.field({ ...common, type: 'Decimal', resolve: (p) => decimal(source(p), key) })];
        case 'Int':
          return [
            name,
            t.int({
              ...common,
              resolve: (p) => {
                const n = int(source(p), key);
                return n !== null && Math.abs(n) <= INT32_MAX ? n : null;
              },
            }),
          ];
        case 'Boolean':
          return [name, t.boolean({ ...common, resolve: (p) => bool(source(p), key) })];
        case 'DateTime':
          return [name, t.field({ ...common, type: 'DateTime', resolve: (p) => dateTime(source(p), key) })];
      }
    }),
  );
}
