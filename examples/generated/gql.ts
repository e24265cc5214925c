/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment NotificationFields on Notification {\n  id\n  type\n  rawType\n  createdAt\n  userId\n  cursor\n}\n\nquery NotificationHistory($types: [NotificationType!], $userId: ID, $last: Int, $before: String) {\n  notificationEvents(types: $types, userId: $userId, last: $last, before: $before) {\n    edges {\n      cursor\n      node {\n        __typename\n        ...NotificationFields\n        ... on CorporateActionNotification {\n          assetSymbol\n          assetAmount\n        }\n        ... on UnknownNotification {\n          payload\n        }\n      }\n    }\n    pageInfo {\n      hasPreviousPage\n      startCursor\n    }\n  }\n}\n\nsubscription NotificationStream($types: [NotificationType!], $after: String) {\n  notificationReceived(types: $types, after: $after) {\n    __typename\n    ...NotificationFields\n    ... on TopUpSuccessNotification {\n      fiatAmount\n      fiatSymbol\n    }\n  }\n}\n\nquery UpstreamHealth {\n  upstream {\n    healthy\n    priceSocket {\n      state\n      reconnects\n      channels {\n        channel\n        subscribed\n        lastError\n      }\n    }\n    poller {\n      state\n      lagMs\n      lastError\n    }\n  }\n}": typeof types.NotificationFieldsFragmentDoc,
    "query LatestPrices($filter: PriceFilter) {\n  prices(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n    change {\n      id\n      day {\n        percent\n        value\n      }\n    }\n  }\n}\n\nquery OnePrice($asset: String!, $fiat: String!) {\n  price(asset: $asset, fiat: $fiat) {\n    id\n    ask\n    bid\n    time\n  }\n}\n\nsubscription LivePrices($filter: PriceFilter) {\n  priceUpdated(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n  }\n}\n\nsubscription LivePriceChanges($filter: PriceFilter) {\n  priceChanged(filter: $filter) {\n    id\n    asset\n    fiat\n    day {\n      percent\n      value\n    }\n    monthlyVolatility\n  }\n}": typeof types.LatestPricesDocument,
};
const documents: Documents = {
    "fragment NotificationFields on Notification {\n  id\n  type\n  rawType\n  createdAt\n  userId\n  cursor\n}\n\nquery NotificationHistory($types: [NotificationType!], $userId: ID, $last: Int, $before: String) {\n  notificationEvents(types: $types, userId: $userId, last: $last, before: $before) {\n    edges {\n      cursor\n      node {\n        __typename\n        ...NotificationFields\n        ... on CorporateActionNotification {\n          assetSymbol\n          assetAmount\n        }\n        ... on UnknownNotification {\n          payload\n        }\n      }\n    }\n    pageInfo {\n      hasPreviousPage\n      startCursor\n    }\n  }\n}\n\nsubscription NotificationStream($types: [NotificationType!], $after: String) {\n  notificationReceived(types: $types, after: $after) {\n    __typename\n    ...NotificationFields\n    ... on TopUpSuccessNotification {\n      fiatAmount\n      fiatSymbol\n    }\n  }\n}\n\nquery UpstreamHealth {\n  upstream {\n    healthy\n    priceSocket {\n      state\n      reconnects\n      channels {\n        channel\n        subscribed\n        lastError\n      }\n    }\n    poller {\n      state\n      lagMs\n      lastError\n    }\n  }\n}": types.NotificationFieldsFragmentDoc,
    "query LatestPrices($filter: PriceFilter) {\n  prices(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n    change {\n      id\n      day {\n        percent\n        value\n      }\n    }\n  }\n}\n\nquery OnePrice($asset: String!, $fiat: String!) {\n  price(asset: $asset, fiat: $fiat) {\n    id\n    ask\n    bid\n    time\n  }\n}\n\nsubscription LivePrices($filter: PriceFilter) {\n  priceUpdated(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n  }\n}\n\nsubscription LivePriceChanges($filter: PriceFilter) {\n  priceChanged(filter: $filter) {\n    id\n    asset\n    fiat\n    day {\n      percent\n      value\n    }\n    monthlyVolatility\n  }\n}": types.LatestPricesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment NotificationFields on Notification {\n  id\n  type\n  rawType\n  createdAt\n  userId\n  cursor\n}\n\nquery NotificationHistory($types: [NotificationType!], $userId: ID, $last: Int, $before: String) {\n  notificationEvents(types: $types, userId: $userId, last: $last, before: $before) {\n    edges {\n      cursor\n      node {\n        __typename\n        ...NotificationFields\n        ... on CorporateActionNotification {\n          assetSymbol\n          assetAmount\n        }\n        ... on UnknownNotification {\n          payload\n        }\n      }\n    }\n    pageInfo {\n      hasPreviousPage\n      startCursor\n    }\n  }\n}\n\nsubscription NotificationStream($types: [NotificationType!], $after: String) {\n  notificationReceived(types: $types, after: $after) {\n    __typename\n    ...NotificationFields\n    ... on TopUpSuccessNotification {\n      fiatAmount\n      fiatSymbol\n    }\n  }\n}\n\nquery UpstreamHealth {\n  upstream {\n    healthy\n    priceSocket {\n      state\n      reconnects\n      channels {\n        channel\n        subscribed\n        lastError\n      }\n    }\n    poller {\n      state\n      lagMs\n      lastError\n    }\n  }\n}"): (typeof documents)["fragment NotificationFields on Notification {\n  id\n  type\n  rawType\n  createdAt\n  userId\n  cursor\n}\n\nquery NotificationHistory($types: [NotificationType!], $userId: ID, $last: Int, $before: String) {\n  notificationEvents(types: $types, userId: $userId, last: $last, before: $before) {\n    edges {\n      cursor\n      node {\n        __typename\n        ...NotificationFields\n        ... on CorporateActionNotification {\n          assetSymbol\n          assetAmount\n        }\n        ... on UnknownNotification {\n          payload\n        }\n      }\n    }\n    pageInfo {\n      hasPreviousPage\n      startCursor\n    }\n  }\n}\n\nsubscription NotificationStream($types: [NotificationType!], $after: String) {\n  notificationReceived(types: $types, after: $after) {\n    __typename\n    ...NotificationFields\n    ... on TopUpSuccessNotification {\n      fiatAmount\n      fiatSymbol\n    }\n  }\n}\n\nquery UpstreamHealth {\n  upstream {\n    healthy\n    priceSocket {\n      state\n      reconnects\n      channels {\n        channel\n        subscribed\n        lastError\n      }\n    }\n    poller {\n      state\n      lagMs\n      lastError\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LatestPrices($filter: PriceFilter) {\n  prices(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n    change {\n      id\n      day {\n        percent\n        value\n      }\n    }\n  }\n}\n\nquery OnePrice($asset: String!, $fiat: String!) {\n  price(asset: $asset, fiat: $fiat) {\n    id\n    ask\n    bid\n    time\n  }\n}\n\nsubscription LivePrices($filter: PriceFilter) {\n  priceUpdated(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n  }\n}\n\nsubscription LivePriceChanges($filter: PriceFilter) {\n  priceChanged(filter: $filter) {\n    id\n    asset\n    fiat\n    day {\n      percent\n      value\n    }\n    monthlyVolatility\n  }\n}"): (typeof documents)["query LatestPrices($filter: PriceFilter) {\n  prices(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n    change {\n      id\n      day {\n        percent\n        value\n      }\n    }\n  }\n}\n\nquery OnePrice($asset: String!, $fiat: String!) {\n  price(asset: $asset, fiat: $fiat) {\n    id\n    ask\n    bid\n    time\n  }\n}\n\nsubscription LivePrices($filter: PriceFilter) {\n  priceUpdated(filter: $filter) {\n    id\n    type\n    asset\n    fiat\n    ask\n    bid\n    mid\n    spread\n    time\n  }\n}\n\nsubscription LivePriceChanges($filter: PriceFilter) {\n  priceChanged(filter: $filter) {\n    id\n    asset\n    fiat\n    day {\n      percent\n      value\n    }\n    monthlyVolatility\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;