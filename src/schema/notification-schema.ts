import { dateTimeText } from '../domain/notification-decode.js';
import { encodeCursor } from '../domain/notification.js';
import { UNKNOWN_KIND, type DecodedNotification, type NotificationRegistry } from '../domain/notification-registry.js';
import { nestedObjectTypes, payloadFields, type Builder } from './notification-fields.js';

/**
 * The notification types of a registry on a builder: the NotificationType enum, the
 * Notification interface, one object type per kind plus UnknownNotification, and the
 * NotificationEvent union. Fields returning the union resolve to a `DecodedNotification`
 * (registry.decode); its `kind` picks the member.
 */
export function defineNotificationTypes(b: Builder, registry: NotificationRegistry) {
  const resolveType = (n: DecodedNotification): string => n.kind;
  const isKind = (kind: string) => (value: unknown) => (value as Partial<DecodedNotification> | null)?.kind === kind;

  const NotificationTypeEnum = b.enumType('NotificationType', {
    description: 'The upstream event type, in upper snake case; UNKNOWN for types newer than this release.',
    values: Object.fromEntries(
      registry.notificationTypes.map((name) => {
        const raw = registry.rawTypeOf(name);
        const description = raw ? `Upstream type \`${raw}\`.` : 'An upstream type this release does not know yet; `rawType` names it.';
        return [name, { value: name, description }];
      }),
    ) as Record<string, { value: string; description: string }>,
  });

  const NotificationInterface = b.interfaceRef<DecodedNotification>('Notification').implement({
    description: 'What every notification event has, whatever its type.',
    resolveType,
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

  const nested = nestedObjectTypes(b);
  const members = registry.kinds.map((kind) =>
    b.objectRef<DecodedNotification>(kind.name).implement({
      description: kind.description,
      interfaces: [NotificationInterface],
      isTypeOf: isKind(kind.name),
      fields: (t) => payloadFields(t, (n) => n.payload, kind.fields, nested),
    }),
  );
  const UnknownNotification = b.objectRef<DecodedNotification>(UNKNOWN_KIND).implement({
    description:
      'An event whose type this release does not know yet, or whose payload is not valid JSON or not of a known shape. Nothing is dropped: see `rawType` and `payload`.',
    interfaces: [NotificationInterface],
    isTypeOf: isKind(UNKNOWN_KIND),
    fields: () => ({}),
  });

  const NotificationEventUnion = b.unionType('NotificationEvent', {
    description:
      'A notification event: one member per payload shape, UnknownNotification for anything not understood yet. All implement Notification.',
    types: [...members, UnknownNotification],
    resolveType,
  });

  return { NotificationTypeEnum, NotificationInterface, NotificationEventUnion, members: [...members, UnknownNotification] };
}
