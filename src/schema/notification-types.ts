import type { DecodedNotification } from '../domain/notification-decode.js';
import { builder } from './builder.js';
import { notificationTypeNameOf } from './notification-interface.js';
import {
  AutomatedOrderNotification,
  CorporateActionNotification,
  CryptoActionNotification,
  CryptoTransferNotification,
  NonUserInitiatedTransactionNotification,
  NonUserInitiatedTransactionV2Notification,
  SavingsPlanNotification,
  SavingsPlanTradeFailedNotification,
  SavingsPlanTradeSucceededNotification,
  SendMoneyNotification,
  SendMoneySuccessNotification,
  TopUpNotification,
  TopUpSuccessNotification,
  UnknownNotification,
  UserUpdateNotification,
} from './notification-members.js';

export {
  NOTIFICATION_TYPE_NAMES,
  NotificationInterface,
  NotificationTypeEnum,
  notificationTypeNameOf,
} from './notification-interface.js';
export * from './notification-members.js';

/**
 * Every notification event, one member per payload shape. Fields returning it resolve to a
 * `DecodedNotification` (see decodeNotification); its `kind` picks the member.
 */
export const NotificationEventUnion = builder.unionType('NotificationEvent', {
  description:
    'A notification event: one member per payload shape, UnknownNotification for anything not understood yet. All implement Notification.',
  types: [
    UserUpdateNotification,
    CorporateActionNotification,
    NonUserInitiatedTransactionNotification,
    NonUserInitiatedTransactionV2Notification,
    SendMoneyNotification,
    SendMoneySuccessNotification,
    TopUpNotification,
    TopUpSuccessNotification,
    SavingsPlanNotification,
    SavingsPlanTradeSucceededNotification,
    SavingsPlanTradeFailedNotification,
    CryptoTransferNotification,
    CryptoActionNotification,
    AutomatedOrderNotification,
    UnknownNotification,
  ],
  resolveType: (n: DecodedNotification) => notificationTypeNameOf(n),
});
