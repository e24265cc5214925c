import { describe, expect, it } from 'vitest';
import {
  bool,
  dateTime,
  decimal,
  decodeNotification,
  int,
  objects,
  savingsPlanTradeOutcome,
  str,
  type DecodedNotification,
  type NotificationKind,
} from '../../src/domain/notification-decode.js';
import { NOTIFICATION_FIXTURES, notificationRecord, type NotificationFixtureName } from '../fixtures/notifications.js';

type Getter = (payload: unknown) => unknown;
const S = (key: string): Getter => (p) => str(p, key);
const D = (key: string): Getter => (p) => decimal(p, key);
const B = (key: string): Getter => (p) => bool(p, key);
const I = (key: string): Getter => (p) => int(p, key);
const T = (key: string): Getter => (p) => dateTime(p, key);

interface Expectation {
  kind: NotificationKind;
  userId: string | null;
  fields: Record<string, [Getter, unknown]>;
}

const EXPECTED: Record<NotificationFixtureName, Expectation> = {
  userUpdate: {
    kind: 'UserUpdateNotification',
    userId: '1ed804ad-349c-61f8-a53d-826724196664',
    fields: {
      action: [S('action'), 'verification'],
      success: [B('success'), true],
      timestamp: [T('timestamp'), '2022-12-20T09:43:59.000Z'],
    },
  },
  corporateAction: {
    kind: 'CorporateActionNotification',
    userId: '1ed7aabf-3bfb-6bb2-8821-8626d6ed9c94',
    fields: {
      id: [S('id'), '1ed9020e-35f5-62ac-b802-369ecc33bc49'],
      time: [T('time'), '2023-01-09T14:26:33+01:00'],
      type: [S('type'), 'dividend'],
      ca_id: [S('ca_id'), '1ed901d6-4c21-6676-86e7-e6645454d14d'],
      fiat_id: [S('fiat_id'), '1'],
      asset_id: [S('asset_id'), '397'],
      fiat_symbol: [S('fiat_symbol'), 'EUR'],
      asset_amount: [D('asset_amount'), '0.18876873'],
      asset_symbol: [S('asset_symbol'), 'BAYN'],
    },
  },
  nonUserInitiatedTx: {
    kind: 'NonUserInitiatedTransactionNotification',
    userId: '1ed8b508-67a6-6722-99f3-f2ef672bfa54',
    fields: {
      id: [S('id'), '1ed91009-a537-6fd0-a7bb-2eba2834ba6e'],
      asset_id: [S('asset_id'), '5'],
      asset_amount: [D('asset_amount'), '0.05465497'],
      type: [S('type'), 'staking_reward'],
      direction: [S('direction'), 'incoming'],
      created_at: [T('created_at'), '2023-01-10T16:05:29+00:00'],
    },
  },
  nonUserInitiatedTxV2: {
    kind: 'NonUserInitiatedTransactionV2Notification',
    userId: 'abcd1234-12ab-ab12-abcdef123456',
    fields: {
      id: [S('id'), 'abcd1234-12ab-ab12-abcdef123456'],
      asset_id: [S('asset_id'), '1'],
      fiat_id: [S('fiat_id'), '1'],
      fiat_amount: [D('fiat_amount'), '323000.78000000'],
      asset_amount: [D('asset_amount'), '0.46987983466586'],
      related_offer_id: [S('related_offer_id'), 'abcc89ac-1290-426f-8de0-4c7b40b91d3a'],
      type: [S('type'), 'giveaway'],
      type_defined_for: [S('type_defined_for'), 'asset'],
      direction: [S('direction'), 'incoming'],
      created_at: [T('created_at'), '2024-01-09T13:08:00Z'],
    },
  },
  sendMoney: {
    kind: 'SendMoneyNotification',
    userId: null,
    fields: {
      id: [S('id'), '1ed80ed8-3393-64ca-ba25-46e31c542a97'],
      trade_id: [S('trade_id'), '77356859'],
      reference: [S('reference'), 'bitpanda-63a294cf86761-transfer'],
      timestamp: [T('timestamp'), '2022-12-21T05:08:31.000Z'],
      amount_sent: [D('amount_sent'), '5.00000000'],
      fiat_symbol: [S('fiat_symbol'), 'EUR'],
      fiat_balance: [D('fiat_balance'), '734651.06000000'],
    },
  },
  sendMoneySuccess: {
    kind: 'SendMoneySuccessNotification',
    userId: null,
    fields: {
      id: [S('id'), '614c7a22-5abd-4511-aa99-5b3557e92e51'],
      type: [S('type'), 'withdrawal'],
      reference: [S('reference'), 'bitpanda-62e9ba8a60608-transfer'],
      timestamp: [T('timestamp'), '2022-08-03T00:02:08.000Z'],
      fiat_amount: [D('fiat_amount'), '31.00000000'],
      fiat_symbol: [S('fiat_symbol'), 'EUR'],
    },
  },
  topUp: {
    kind: 'TopUpNotification',
    userId: null,
    fields: {
      trade_id: [S('trade_id'), '1234567'],
      timestamp: [T('timestamp'), '2022-12-21T00:00:11.000Z'],
      fiat_symbol: [S('fiat_symbol'), 'EUR'],
      fiat_balance: [D('fiat_balance'), '388256.25000000'],
      amount_to_deposit: [D('amount_to_deposit'), '611743'],
    },
  },
  topUpSuccess: {
    kind: 'TopUpSuccessNotification',
    userId: null,
    fields: {
      id: [S('id'), '1ed8065b-2a73-6b5e-b03f-2a65c999892d'],
      type: [S('type'), 'deposit'],
      reference: [S('reference'), '7945045137'],
      timestamp: [T('timestamp'), '2022-12-20T12:56:19.000Z'],
      fiat_amount: [D('fiat_amount'), '25.00000000'],
      fiat_symbol: [S('fiat_symbol'), 'EUR'],
    },
  },
  savingsPlanNotice: {
    kind: 'SavingsPlanNotification',
    userId: '1ed97e4a-912c-69be-9320-0aa759597920',
    fields: {
      fiat_id: [S('fiat_id'), '1'],
      asset_id: [S('asset_id'), '1'],
      fiat_amount: [D('fiat_amount'), '3124.00000000'],
      savings_plan_id: [S('savings_plan_id'), '1ed97e71-c379-6648-b86a-ee5ee367ea13'],
      savings_plan_day: [I('savings_plan_day'), 1],
      savings_plan_status: [S('savings_plan_status'), 'active'],
      savings_plan_frequency: [S('savings_plan_frequency'), 'weekly'],
      external_transaction_id: [S('external_transaction_id'), '1ed97e89-682e-6cbc-8b84-f2ddd95107cf'],
      savings_plan_created_at: [T('savings_plan_created_at'), '2023-01-19T10:50:38.000Z'],
      savings_plan_next_recurrence: [T('savings_plan_next_recurrence'), '2023-01-19T12:00:00.000Z'],
      savings_plan_transaction_confirmation_deadline: [
        T('savings_plan_transaction_confirmation_deadline'),
        '2023-01-19T11:00:00.000Z',
      ],
    },
  },
  savingsPlanTradeFailed: {
    kind: 'SavingsPlanTradeFailedNotification',
    userId: '1ed97e4a-912c-69be-9320-0aa759597920',
    fields: {
      error_code: [S('error_code'), '403'],
      error_message: [S('error_message'), 'Saving plan transaction was not confirmed by 2023-01-19T11:00:00+00:00'],
      savings_plan_id: [S('savings_plan_id'), '1ed97e71-c379-6648-b86a-ee5ee367ea13'],
      external_transaction_id: [S('external_transaction_id'), '1ed97e89-682e-6cbc-8b84-f2ddd95107cf'],
      savings_plan_transaction_status: [S('savings_plan_transaction_status'), 'not_confirmed'],
    },
  },
  savingsPlanTradeSucceeded: {
    kind: 'SavingsPlanTradeSucceededNotification',
    userId: '1ed97d32-dcb7-6974-a846-c6a5060457b4',
    fields: {
      offer_id: [S('offer_id'), 'abadd2dc-cfd7-4411-b135-7cbcbb0823ae'],
      trade_id: [S('trade_id'), '6739ad92-bdb0-4948-b571-d27dda7fc6b5'],
      savings_plan_id: [S('savings_plan_id'), '1ed97d7d-d845-6698-ab33-fe00d406bd61'],
      external_transaction_id: [S('external_transaction_id'), '1ed97d86-d8df-6974-8601-f2ddd95107cf'],
      savings_plan_transaction_status: [S('savings_plan_transaction_status'), 'finished'],
    },
  },
  cryptoTransfer: {
    kind: 'CryptoTransferNotification',
    userId: '12345678-abcd-abcd-1234-123456789abc',
    fields: {
      id: [S('id'), '4e465f96-6abf-4b91-9abb-f61b38eda58a'],
      fee: [D('fee'), '0.0002000000000000'],
      address: [S('address'), '123456gPagfrEu2345Fmoqwe2weeei2ry1234567ABC'],
      approved: [B('approved'), true],
      asset_id: [S('asset_id'), '436'],
      credited: [B('credited'), true],
      currency: [S('currency'), 'EUR'],
      network_id: [S('network_id'), '12345678-1234-1234-1234-aaaabbbbcccc'],
      credited_at: [T('credited_at'), null],
      fiat_amount: [D('fiat_amount'), '7.7000000000000000'],
      received_at: [T('received_at'), '2023-12-15T15:01:17.683653Z'],
      asset_amount: [D('asset_amount'), '0.1100000000000000'],
      asset_symbol: [S('asset_symbol'), 'SOL'],
      processed_at: [T('processed_at'), null],
      destination_tag: [S('destination_tag'), null],
      asset_network_id: [S('asset_network_id'), '1ede43b4-3348-6c84-a8d5-ad8ff12fd18a'],
      transaction_hash: [S('transaction_hash'), ''],
      transaction_type: [S('transaction_type'), 'withdrawal'],
      transaction_status: [S('transaction_status'), 'finished'],
      tax_declaration_status: [S('tax_declaration_status'), 'undeclared'],
    },
  },
  cryptoAction: {
    kind: 'CryptoActionNotification',
    userId: 'abcd71c8-abcd-1234-12ab-abcd4c841234',
    fields: {
      id: [S('id'), '00000000-abcd-1234-12ab-abcd4c841234'],
      type: [S('type'), 'merger_crypto'],
      credited_at: [T('credited_at'), '2024-04-10T09:31:08Z'],
      transactions: [(p) => objects(p, 'transactions').length, 2],
    },
  },
  automatedOrder: {
    kind: 'AutomatedOrderNotification',
    userId: '1ef2efc7-1d0c-658b-8bdb-7398fd6afe94',
    fields: {
      domain_slug: [S('domain_slug'), 'b2b2c_qa'],
      trade_id: [S('trade_id'), '01ef5401-cf20-6165-b0cb-3e1e8185fb3c'],
      asset_id: [S('asset_id'), 'a49406ee-ee33-11ec-aafe-062d595118ef'],
      fiat_id: [S('fiat_id'), 'ea96ccef-edee-11eb-9bf0-06502b1fe55d'],
      asset_amount: [D('asset_amount'), '2.43667276'],
      fiat_amount: [D('fiat_amount'), '1'],
      type: [S('type'), 'buy'],
      status: [S('status'), 'finished'],
      created_at: [T('created_at'), '2024-08-06T14:40:21.848515Z'],
      fail_reason: [S('fail_reason'), null],
    },
  },
  unknownType: {
    kind: 'UnknownNotification',
    userId: '1ef00000-aaaa-6bbb-8ccc-000000000042',
    fields: { points: [D('points'), '12.50'], tier: [S('tier'), 'gold'] },
  },
  invalidJson: { kind: 'UnknownNotification', userId: null, fields: {} },
};

describe('decodeNotification on the documented examples', () => {
  for (const [name, expected] of Object.entries(EXPECTED) as Array<[NotificationFixtureName, Expectation]>) {
    it(`${name} → ${expected.kind}, field by field`, () => {
      const record = notificationRecord(name, 7);
      const decoded = decodeNotification(record);
      expect(decoded.kind).toBe(expected.kind);
      expect(decoded.record).toBe(record);
      expect(record.userId).toBe(expected.userId);
      for (const [key, [get, value]] of Object.entries(expected.fields)) {
        expect({ key, value: get(decoded.payload) }).toEqual({ key, value });
      }
    });
  }

  it('keeps every payload untouched: parsed JSON deep-equals the source, re-serialises identically', () => {
    for (const name of Object.keys(EXPECTED) as NotificationFixtureName[]) {
      if (name === 'invalidJson') continue;
      const { payload } = NOTIFICATION_FIXTURES[name];
      const decoded = decodeNotification(notificationRecord(name));
      expect(decoded.payload).toEqual(JSON.parse(payload));
      expect(JSON.stringify(decoded.payload)).toBe(JSON.stringify(JSON.parse(payload)));
    }
  });

  it('keeps an invalid JSON payload as its raw text', () => {
    const decoded = decodeNotification(notificationRecord('invalidJson'));
    expect(decoded.payload).toBe(NOTIFICATION_FIXTURES.invalidJson.payload);
    expect(str(decoded.payload, 'action')).toBeNull();
  });

  it('reads the crypto action transactions field by field', () => {
    const [first, second] = objects(decodeNotification(notificationRecord('cryptoAction')).payload, 'transactions');
    expect({
      id: str(first, 'id'),
      assetId: str(first, 'asset_id'),
      assetInt: int(first, 'asset_int'),
      fiatId: str(first, 'fiat_id'),
      fiatInt: int(first, 'fiat_int'),
      assetAmount: decimal(first, 'asset_amount'),
      fiatAmount: decimal(first, 'fiat_amount'),
      feeAmount: decimal(first, 'fee_amount'),
      typeDefinedFor: str(first, 'type_defined_for'),
      direction: str(first, 'direction'),
    }).toEqual({
      id: '11111111-abcd-1234-12ab-abcd4c841234',
      assetId: 'aaaaaaaa-abcd-1234-12ab-abcd4c841234',
      assetInt: 1,
      fiatId: 'abcd71c8-abcd-1234-12ab-abcd4c841234',
      fiatInt: 2,
      assetAmount: '100.30',
      fiatAmount: '200.60',
      feeAmount: '0.5',
      typeDefinedFor: 'asset',
      direction: 'outgoing',
    });
    expect([str(second, 'id'), int(second, 'asset_int'), str(second, 'direction')]).toEqual([
      '22222222-abcd-1234-12ab-abcd4c841234',
      2,
      'incoming',
    ]);
  });
});

describe('decodeNotification on what this release does not know', () => {
  const decode = (rawType: string, payloadText: string): DecodedNotification =>
    decodeNotification(notificationRecord('userUpdate', 1, { rawType, payloadText }));

  it('accepts extra fields and unknown enum values in a known shape', () => {
    const decoded = decode('user.update', '{"action":"blacklisting_v9","success":"maybe","user_id":"u","new":{"x":1}}');
    expect(decoded.kind).toBe('UserUpdateNotification');
    expect(str(decoded.payload, 'action')).toBe('blacklisting_v9');
    expect(bool(decoded.payload, 'success')).toBeNull();
    expect(decoded.payload).toMatchObject({ new: { x: 1 } });
  });

  it('turns JSON that is not an object into UnknownNotification, keeping the parsed value', () => {
    expect(decode('user.update', '[1,2]')).toMatchObject({ kind: 'UnknownNotification', payload: [1, 2] });
    expect(decode('user.update', '"text"')).toMatchObject({ kind: 'UnknownNotification', payload: 'text' });
    expect(decode('user.update', 'null')).toMatchObject({ kind: 'UnknownNotification', payload: null });
    expect(decode('user.update', '')).toMatchObject({ kind: 'UnknownNotification', payload: '' });
  });

  it('does not mistake inherited property names for known types', () => {
    expect(decode('toString', '{}').kind).toBe('UnknownNotification');
    expect(decode('__proto__', '{}').kind).toBe('UnknownNotification');
  });

  it('decides savings-plan trades by the payload, and gives up on neither shape', () => {
    const type = 'user.savings-plan-trade-notification';
    expect(decode(type, '{"savings_plan_transaction_status":"finished"}').kind).toBe('SavingsPlanTradeSucceededNotification');
    expect(decode(type, '{"savings_plan_transaction_status":"not_confirmed"}').kind).toBe('SavingsPlanTradeFailedNotification');
    expect(decode(type, '{"savings_plan_transaction_status":"rejected","error_code":"500"}').kind).toBe(
      'SavingsPlanTradeFailedNotification',
    );
    expect(decode(type, '{"savings_plan_transaction_status":"settled","trade_id":"t"}').kind).toBe(
      'SavingsPlanTradeSucceededNotification',
    );
    expect(decode(type, '{"savings_plan_transaction_status":"pending","savings_plan_id":"p"}').kind).toBe(
      'UnknownNotification',
    );
    expect(savingsPlanTradeOutcome({ error_code: '', offer_id: 'o' })).toBe('succeeded');
    expect(savingsPlanTradeOutcome({})).toBeNull();
  });
});
