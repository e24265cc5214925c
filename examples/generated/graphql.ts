/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Bitpanda asset types; upstream codes cr, s, f, i, co, es. */
export type AssetType =
  | 'COMMODITY'
  | 'CRYPTO'
  | 'EQUITY_SECURITY'
  | 'FIAT'
  | 'INDEX'
  | 'SECURITY';

/** The upstream event type, in upper snake case; UNKNOWN for types newer than this release. */
export type NotificationType =
  /** Upstream type `account.send-money`. */
  | 'ACCOUNT_SEND_MONEY'
  /** Upstream type `account.send-money-success`. */
  | 'ACCOUNT_SEND_MONEY_SUCCESS'
  /** Upstream type `account.top-up`. */
  | 'ACCOUNT_TOP_UP'
  /** Upstream type `account.top-up-success`. */
  | 'ACCOUNT_TOP_UP_SUCCESS'
  /** An upstream type this release does not know yet; `rawType` names it. */
  | 'UNKNOWN'
  /** Upstream type `user.automated-order`. */
  | 'USER_AUTOMATED_ORDER'
  /** Upstream type `user.corporate-action`. */
  | 'USER_CORPORATE_ACTION'
  /** Upstream type `user.crypto-action`. */
  | 'USER_CRYPTO_ACTION'
  /** Upstream type `user.crypto-transfer-notification`. */
  | 'USER_CRYPTO_TRANSFER_NOTIFICATION'
  /** Upstream type `user.non-user-initiated-tx`. */
  | 'USER_NON_USER_INITIATED_TX'
  /** Upstream type `user.non-user-initiated-tx-v2`. */
  | 'USER_NON_USER_INITIATED_TX_V2'
  /** Upstream type `user.savings-plan-notification`. */
  | 'USER_SAVINGS_PLAN_NOTIFICATION'
  /** Upstream type `user.savings-plan-trade-notification`. */
  | 'USER_SAVINGS_PLAN_TRADE_NOTIFICATION'
  /** Upstream type `user.update`. */
  | 'USER_UPDATE';

export type PairInput = {
  /** Asset symbol, e.g. BTC */
  asset: string;
  /** Fiat symbol, e.g. EUR */
  fiat: string;
};

/** All given criteria must hold; an empty or missing filter means everything. */
export type PriceFilter = {
  /** any of these assets */
  assets?: Array<string> | null | undefined;
  /** any of these fiats */
  fiats?: Array<string> | null | undefined;
  /** exact pairs */
  pairs?: Array<PairInput> | null | undefined;
  /** any of these asset types */
  types?: Array<AssetType> | null | undefined;
};

type NotificationFields_AutomatedOrderNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_CorporateActionNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_CryptoActionNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_CryptoTransferNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_NonUserInitiatedTransactionNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_NonUserInitiatedTransactionV2Notification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_SavingsPlanNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_SavingsPlanTradeFailedNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_SavingsPlanTradeSucceededNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_SendMoneyNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_SendMoneySuccessNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_TopUpNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_TopUpSuccessNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_UnknownNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

type NotificationFields_UserUpdateNotification_Fragment = { id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string };

export type NotificationFieldsFragment =
  | NotificationFields_AutomatedOrderNotification_Fragment
  | NotificationFields_CorporateActionNotification_Fragment
  | NotificationFields_CryptoActionNotification_Fragment
  | NotificationFields_CryptoTransferNotification_Fragment
  | NotificationFields_NonUserInitiatedTransactionNotification_Fragment
  | NotificationFields_NonUserInitiatedTransactionV2Notification_Fragment
  | NotificationFields_SavingsPlanNotification_Fragment
  | NotificationFields_SavingsPlanTradeFailedNotification_Fragment
  | NotificationFields_SavingsPlanTradeSucceededNotification_Fragment
  | NotificationFields_SendMoneyNotification_Fragment
  | NotificationFields_SendMoneySuccessNotification_Fragment
  | NotificationFields_TopUpNotification_Fragment
  | NotificationFields_TopUpSuccessNotification_Fragment
  | NotificationFields_UnknownNotification_Fragment
  | NotificationFields_UserUpdateNotification_Fragment
;

export type NotificationHistoryQueryVariables = Exact<{
  types?: Array<NotificationType> | NotificationType | null | undefined;
  userId?: string | number | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type NotificationHistoryQuery = { notificationEvents: { edges: Array<{ cursor: string, node:
        | { __typename: 'AutomatedOrderNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'CorporateActionNotification', assetSymbol: string | null, assetAmount: string | null, id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'CryptoActionNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'CryptoTransferNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'NonUserInitiatedTransactionNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'NonUserInitiatedTransactionV2Notification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'SavingsPlanNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'SavingsPlanTradeFailedNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'SavingsPlanTradeSucceededNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'SendMoneyNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'SendMoneySuccessNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'TopUpNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'TopUpSuccessNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'UnknownNotification', payload: unknown, id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
        | { __typename: 'UserUpdateNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
       }>, pageInfo: { hasPreviousPage: boolean, startCursor: string | null } } };

export type NotificationStreamSubscriptionVariables = Exact<{
  types?: Array<NotificationType> | NotificationType | null | undefined;
  after?: string | null | undefined;
}>;


export type NotificationStreamSubscription = { notificationReceived:
    | { __typename: 'AutomatedOrderNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'CorporateActionNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'CryptoActionNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'CryptoTransferNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'NonUserInitiatedTransactionNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'NonUserInitiatedTransactionV2Notification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'SavingsPlanNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'SavingsPlanTradeFailedNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'SavingsPlanTradeSucceededNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'SendMoneyNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'SendMoneySuccessNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'TopUpNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'TopUpSuccessNotification', fiatAmount: string | null, fiatSymbol: string | null, id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'UnknownNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
    | { __typename: 'UserUpdateNotification', id: string, type: NotificationType, rawType: string, createdAt: string, userId: string | null, cursor: string }
   };

export type UpstreamHealthQueryVariables = Exact<{ [key: string]: never; }>;


export type UpstreamHealthQuery = { upstream: { healthy: boolean, priceSocket: { state: string, reconnects: number, channels: Array<{ channel: string, subscribed: boolean, lastError: string | null }> } | null, poller: { state: string, lagMs: number | null, lastError: string | null } | null } };

export type LatestPricesQueryVariables = Exact<{
  filter?: PriceFilter | null | undefined;
}>;


export type LatestPricesQuery = { prices: Array<{ id: string, type: AssetType, asset: string, fiat: string, ask: string, bid: string, mid: string, spread: string, time: string, change: { id: string, day: { percent: string, value: string } } | null }> };

export type OnePriceQueryVariables = Exact<{
  asset: string;
  fiat: string;
}>;


export type OnePriceQuery = { price: { id: string, ask: string, bid: string, time: string } | null };

export type LivePricesSubscriptionVariables = Exact<{
  filter?: PriceFilter | null | undefined;
}>;


export type LivePricesSubscription = { priceUpdated: { id: string, type: AssetType, asset: string, fiat: string, ask: string, bid: string, mid: string, spread: string, time: string } };

export type LivePriceChangesSubscriptionVariables = Exact<{
  filter?: PriceFilter | null | undefined;
}>;


export type LivePriceChangesSubscription = { priceChanged: { id: string, asset: string, fiat: string, monthlyVolatility: string, day: { percent: string, value: string } } };

export const NotificationFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Notification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"rawType"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}}]}}]} as unknown as DocumentNode<NotificationFieldsFragment, unknown>;
export const NotificationHistoryDocument = {"__meta__":{"hash":"sha256:40bc6d7f40f6190fedb83bcb8b8361f7223ce457c5c506744d3b607a7bef04c8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NotificationHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"types"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationType"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"before"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"types"},"value":{"kind":"Variable","name":{"kind":"Name","value":"types"}}},{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}},{"kind":"Argument","name":{"kind":"Name","value":"before"},"value":{"kind":"Variable","name":{"kind":"Name","value":"before"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"NotificationFields"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CorporateActionNotification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assetSymbol"}},{"kind":"Field","name":{"kind":"Name","value":"assetAmount"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UnknownNotification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payload"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Notification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"rawType"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}}]}}]} as unknown as DocumentNode<NotificationHistoryQuery, NotificationHistoryQueryVariables>;
export const NotificationStreamDocument = {"__meta__":{"hash":"sha256:ca8440075550f194f5d6197d67e7eb3e4481307f11b7bb182abd7ba71501f993"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"NotificationStream"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"types"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationType"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationReceived"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"types"},"value":{"kind":"Variable","name":{"kind":"Name","value":"types"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"NotificationFields"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TopUpSuccessNotification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fiatAmount"}},{"kind":"Field","name":{"kind":"Name","value":"fiatSymbol"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Notification"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"rawType"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}}]}}]} as unknown as DocumentNode<NotificationStreamSubscription, NotificationStreamSubscriptionVariables>;
export const UpstreamHealthDocument = {"__meta__":{"hash":"sha256:04d12bc74320eb5cbd4f4d99d48172fd035fc6acb54ea92623564b949a285157"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UpstreamHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstream"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"healthy"}},{"kind":"Field","name":{"kind":"Name","value":"priceSocket"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"reconnects"}},{"kind":"Field","name":{"kind":"Name","value":"channels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"subscribed"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"poller"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"lagMs"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}}]}}]}}]}}]} as unknown as DocumentNode<UpstreamHealthQuery, UpstreamHealthQueryVariables>;
export const LatestPricesDocument = {"__meta__":{"hash":"sha256:cf26487e1088b32ef39b200c73b19f5e354ec83dabea98cda39fb911e1da72ac"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LatestPrices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PriceFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"prices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"asset"}},{"kind":"Field","name":{"kind":"Name","value":"fiat"}},{"kind":"Field","name":{"kind":"Name","value":"ask"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}},{"kind":"Field","name":{"kind":"Name","value":"mid"}},{"kind":"Field","name":{"kind":"Name","value":"spread"}},{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"change"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"day"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]}}]} as unknown as DocumentNode<LatestPricesQuery, LatestPricesQueryVariables>;
export const OnePriceDocument = {"__meta__":{"hash":"sha256:0e6e838e9d1d9f7a7c167a19022a1983f80c092840bb71655bf283fa52cb5b33"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OnePrice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"asset"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"fiat"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"price"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"asset"},"value":{"kind":"Variable","name":{"kind":"Name","value":"asset"}}},{"kind":"Argument","name":{"kind":"Name","value":"fiat"},"value":{"kind":"Variable","name":{"kind":"Name","value":"fiat"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"ask"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}},{"kind":"Field","name":{"kind":"Name","value":"time"}}]}}]}}]} as unknown as DocumentNode<OnePriceQuery, OnePriceQueryVariables>;
export const LivePricesDocument = {"__meta__":{"hash":"sha256:fbbffa1db9ced6d6b961672822d603bc7bed39c6e39299d7a3687f3cf650a5d9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LivePrices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PriceFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"priceUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"asset"}},{"kind":"Field","name":{"kind":"Name","value":"fiat"}},{"kind":"Field","name":{"kind":"Name","value":"ask"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}},{"kind":"Field","name":{"kind":"Name","value":"mid"}},{"kind":"Field","name":{"kind":"Name","value":"spread"}},{"kind":"Field","name":{"kind":"Name","value":"time"}}]}}]}}]} as unknown as DocumentNode<LivePricesSubscription, LivePricesSubscriptionVariables>;
export const LivePriceChangesDocument = {"__meta__":{"hash":"sha256:870d783bd0a793b31ce34607da040903fb81857a8f2cecc21ded219d105ff65f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LivePriceChanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PriceFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"priceChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"asset"}},{"kind":"Field","name":{"kind":"Name","value":"fiat"}},{"kind":"Field","name":{"kind":"Name","value":"day"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"monthlyVolatility"}}]}}]}}]} as unknown as DocumentNode<LivePriceChangesSubscription, LivePriceChangesSubscriptionVariables>;