import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_TYPES, encodeCursor } from '../../src/domain/notification.js';
import { NOTIFICATION_KINDS, decodeNotification } from '../../src/domain/notification-decode.js';
import { builder } from '../../src/schema/builder.js';
import '../../src/schema/scalars.js';
import { NotificationEventUnion, NotificationInterface } from '../../src/schema/notification-types.js';
import { NOTIFICATION_FIXTURES, notificationRecord, type NotificationFixtureName } from '../fixtures/notifications.js';
import { viewerOf } from '../../src/domain/viewer.js';
import { ANONYMOUS } from '../../src/domain/identity.js';

// The graphql instance Pothos itself loads (Node resolves `graphql` to its CommonJS build, the
// test transform to its ESM build; a schema only works with the functions of its own instance).
const { graphql, printSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The notification types on their own: a schema with throwaway root fields that return every
 * fixture, so the union, the interface and each member's typed fields are exercised end to end.
 * (This file runs in its own module graph, so the extra fields never reach the real schema.)
 */
const names = Object.keys(NOTIFICATION_FIXTURES) as NotificationFixtureName[];
const decoded = names.map((name, i) => decodeNotification(notificationRecord(name, i + 1)));

let schema: GraphQLSchema;
beforeAll(() => {
  builder.queryFields((t) => ({
    testEvents: t.field({ type: [NotificationEventUnion], resolve: () => decoded }),
    testNotifications: t.field({ type: [NotificationInterface], resolve: () => decoded }),
  }));
  builder.subscriptionField('testNothing', (t) =>
    t.string({
      subscribe: async function* () {
        /* no events */
      },
      resolve: (v: unknown) => String(v),
    }),
  );
  schema = builder.toSchema();
});

async function run(source: string): Promise<Record<string, unknown>> {
  const result = await graphql({ schema, source, contextValue: { viewer: viewerOf(ANONYMOUS, 'all') } });
  expect(result.errors?.map((e) => `${e.path?.join(".")}: ${e.message}`)).toBeUndefined();
  return result.data as Record<string, unknown>;
}

const ALL_FIELDS = `
  __typename ... on Notification { id type rawType createdAt userId cursor payload }
  ... on UserUpdateNotification { action success timestamp }
  ... on CorporateActionNotification { transactionId corporateActionId corporateActionType time fiatId assetId fiatSymbol assetAmount assetSymbol }
  ... on NonUserInitiatedTransactionNotification { transactionId assetId assetAmount transactionType direction transactionCreatedAt }
  ... on NonUserInitiatedTransactionV2Notification { transactionId assetId fiatId fiatAmount assetAmount relatedOfferId transactionType typeDefinedFor direction transactionCreatedAt }
  ... on SendMoneyNotification { transactionId tradeId reference timestamp amountSent fiatSymbol fiatBalance }
  ... on SendMoneySuccessNotification { transactionId transactionType reference timestamp fiatAmount fiatSymbol }
  ... on TopUpNotification { tradeId timestamp fiatSymbol fiatBalance amountToDeposit }
  ... on TopUpSuccessNotification { transactionId transactionType reference timestamp fiatAmount fiatSymbol }
  ... on SavingsPlanNotification { fiatId assetId fiatAmount savingsPlanId savingsPlanDay savingsPlanStatus savingsPlanFrequency externalTransactionId savingsPlanCreatedAt savingsPlanNextRecurrence savingsPlanTransactionConfirmationDeadline }
  ... on SavingsPlanTradeSucceededNotification { savingsPlanId externalTransactionId savingsPlanTransactionStatus offerId tradeId }
  ... on SavingsPlanTradeFailedNotification { savingsPlanId externalTransactionId savingsPlanTransactionStatus errorCode errorMessage }
  ... on CryptoTransferNotification { transferId fee address approved assetId credited currency networkId creditedAt fiatAmount receivedAt assetAmount assetSymbol processedAt destinationTag assetNetworkId transactionHash transactionType transactionStatus taxDeclarationStatus }
  ... on CryptoActionNotification { actionId actionType creditedAt transactions { id assetId assetInt fiatId fiatInt assetAmount fiatAmount feeAmount typeDefinedFor direction } }
  ... on AutomatedOrderNotification { domainSlug tradeId assetId fiatId assetAmount fiatAmount orderType status orderCreatedAt failReason }
`;

describe('notification schema types', () => {
  it('declares the enum, the interface, one member per kind and the union', () => {
    const sdl = printSchema(schema);
    expect(sdl).toContain(`enum NotificationType {`);
    for (const value of NOTIFICATION_TYPES) expect(sdl).toMatch(new RegExp(`\\n  ${value}\\n`));
    expect(sdl).toContain('interface Notification {');
    for (const kind of NOTIFICATION_KINDS) {
      expect(sdl).toContain(`type ${kind} implements Notification {`);
    }
    const union = /union NotificationEvent = (.+)/.exec(sdl)?.[1]?.split(' | ');
    expect(union?.sort()).toEqual([...NOTIFICATION_KINDS].sort());
    expect(sdl).toContain('"""Upstream type `user.non-user-initiated-tx-v2`."""\n  USER_NON_USER_INITIATED_TX_V2');
  });

  it('resolves every fixture to its member, with the interface fields', async () => {
    const data = await run(`{ testEvents { ${ALL_FIELDS} } }`);
    const events = data['testEvents'] as Array<Record<string, unknown>>;
    expect(events.map((e) => e['__typename'])).toEqual(decoded.map((d) => d.kind));
    expect(events.map((e) => e['__typename'])).toContain('SavingsPlanTradeFailedNotification');
    expect(events.map((e) => e['__typename'])).toContain('SavingsPlanTradeSucceededNotification');
    events.forEach((event, i) => {
      const record = decoded[i]!.record;
      expect(event).toMatchObject({
        id: record.id,
        type: record.type,
        rawType: record.rawType,
        createdAt: '2024-02-20T08:14:20+00:00',
        userId: record.userId,
        cursor: encodeCursor(record.seq),
      });
    });
    const byName = Object.fromEntries(names.map((n, i) => [n, events[i]!]));
    expect(byName['invalidJson']!['payload']).toBe(NOTIFICATION_FIXTURES.invalidJson.payload);
    expect(byName['unknownType']).toMatchObject({ __typename: 'UnknownNotification', type: 'UNKNOWN' });
    expect(byName['corporateAction']!['payload']).toEqual(JSON.parse(NOTIFICATION_FIXTURES.corporateAction.payload));
  });

  it('exposes typed payload fields: decimals byte-exact, ids as strings, timestamps as DateTime', async () => {
    const data = await run(`{ testEvents { ${ALL_FIELDS} } }`);
    const events = data['testEvents'] as Array<Record<string, unknown>>;
    const byName = Object.fromEntries(names.map((n, i) => [n, events[i]!]));
    expect(byName['corporateAction']).toMatchObject({
      transactionId: '1ed9020e-35f5-62ac-b802-369ecc33bc49',
      corporateActionId: '1ed901d6-4c21-6676-86e7-e6645454d14d',
      corporateActionType: 'dividend',
      time: '2023-01-09T14:26:33+01:00',
      fiatId: '1',
      assetId: '397',
      assetAmount: '0.18876873',
    });
    expect(byName['nonUserInitiatedTxV2']).toMatchObject({
      fiatAmount: '323000.78000000',
      assetAmount: '0.46987983466586',
      transactionType: 'giveaway',
      transactionCreatedAt: '2024-01-09T13:08:00Z',
    });
    expect(byName['sendMoney']).toMatchObject({ tradeId: '77356859', timestamp: '2022-12-21T05:08:31.000Z', amountSent: '5.00000000' });
    expect(byName['topUp']).toMatchObject({ tradeId: '1234567', amountToDeposit: '611743', fiatBalance: '388256.25000000' });
    expect(byName['savingsPlanNotice']).toMatchObject({
      savingsPlanDay: 1,
      savingsPlanFrequency: 'weekly',
      savingsPlanTransactionConfirmationDeadline: '2023-01-19T11:00:00.000Z',
    });
    expect(byName['savingsPlanTradeFailed']).toMatchObject({ errorCode: '403', savingsPlanTransactionStatus: 'not_confirmed' });
    expect(byName['savingsPlanTradeSucceeded']).toMatchObject({ offerId: 'abadd2dc-cfd7-4411-b135-7cbcbb0823ae' });
    expect(byName['cryptoTransfer']).toMatchObject({
      fee: '0.0002000000000000',
      approved: true,
      creditedAt: null,
      processedAt: null,
      destinationTag: null,
      receivedAt: '2023-12-15T15:01:17.683653Z',
      transactionHash: '',
    });
    expect(byName['cryptoAction']).toMatchObject({
      actionType: 'merger_crypto',
      transactions: [
        { id: '11111111-abcd-1234-12ab-abcd4c841234', assetInt: 1, fiatInt: 2, feeAmount: '0.5', direction: 'outgoing' },
        { id: '22222222-abcd-1234-12ab-abcd4c841234', assetInt: 2, assetAmount: '100.30', direction: 'incoming' },
      ],
    });
    expect(byName['automatedOrder']).toMatchObject({ orderType: 'buy', fiatAmount: '1', failReason: null });
    expect(byName['userUpdate']).toMatchObject({ action: 'verification', success: true, timestamp: '2022-12-20T09:43:59.000Z' });
  });

  it('resolves the interface too', async () => {
    const data = await run('{ testNotifications { __typename id } }');
    const list = data['testNotifications'] as Array<{ __typename: string }>;
    expect(list.map((n) => n.__typename)).toEqual(decoded.map((d) => d.kind));
  });
});
