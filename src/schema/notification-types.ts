import { NOTIFICATION_REGISTRY } from '../domain/notification-registry.js';
import { builder } from './builder.js';
import { defineNotificationTypes } from './notification-schema.js';

/** The notification types of this release, on the schema's builder. */
export const { NotificationTypeEnum, NotificationInterface, NotificationEventUnion } = defineNotificationTypes(
  builder,
  NOTIFICATION_REGISTRY,
);
