/**
 * The notification kinds this release knows: each declared once, here. The NotificationType
 * enum, the NotificationEvent union and its members, decoding and the simulator's catalogue
 * are all derived from this table (see notification-registry.ts). A type Bitpanda ships later
 * is one entry here and one payload generator in src/simulator/events-catalogue.ts.
 *
 * Field types are symbolic; src/schema/ maps them to GraphQL. Every field is nullable, since
 * Bitpanda may add or drop payload keys. Field names that would clash with the Notification
 * interface (`id`, `type`, `created_at`) get a name saying what they are.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a payload value is exposed. */
export type PayloadFieldType = 'ID' | 'String' | 'Decimal' | 'Int' | 'Boolean' | 'DateTime';

/** [type, upstream key, optional note]; the field's description names the key and adds the note. */
export type ScalarFieldSpec = readonly [type: PayloadFieldType, key: string, note?: string];

/** An object type for the elements of an array in a payload. */
export interface NestedObjectSpec {
  name: string;
  description: string;
  fields: Readonly<Record<string, ScalarFieldSpec>>;
}

/** An array of objects under `key`; elements that are not objects are skipped. */
export interface ObjectListFieldSpec {
  list: NestedObjectSpec;
  key: string;
  description: string;
}

export type PayloadFieldSpec = ScalarFieldSpec | ObjectListFieldSpec;

export interface NotificationKindSpec {
  /** the upstream event type, e.g. `user.update` */
  rawType: string;
  /** the kind's name, which is also its GraphQL object type, e.g. `UserUpdateNotification` */
  name: string;
  description: string;
  /** GraphQL field name → how it is read from the payload, in schema order */
  fields: Readonly<Record<string, PayloadFieldSpec>>;
  /**
   * Only where several kinds share one raw type: whether a payload (a JSON object) is of this
   * kind. The first kind of the raw type whose predicate holds wins; none: UnknownNotification.
   */
  matches?: (payload: JsonObject) => boolean;
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
export function savingsPlanTradeOutcome(payload: JsonObject): 'succeeded' | 'failed' | null {
  const status = payload['savings_plan_transaction_status'];
  if (status === 'finished') return 'succeeded';
  if (status === 'not_confirmed') return 'failed';
  if (present(payload, 'error_code') || present(payload, 'error_message')) return 'failed';
  if (present(payload, 'offer_id') || present(payload, 'trade_id')) return 'succeeded';
  return null;
}

const UNIX_NOTE = 'Unix seconds upstream';
const UTC_NOTE = 'sent as "YYYY-MM-DD HH:MM:SS" in UTC';

const nonUserTransaction = {
  transactionId: ['ID', 'id', 'the transaction’s own id (not the event id)'],
  assetId: ['ID', 'asset_id'],
  assetAmount: ['Decimal', 'asset_amount'],
  transactionType: ['String', 'type', 'e.g. "staking_reward", "giveaway", "metal_storage_fee"'],
  direction: ['String', 'direction', '"incoming" or "outgoing"'],
  transactionCreatedAt: ['DateTime', 'created_at'],
} as const satisfies Record<string, ScalarFieldSpec>;

const settledTransfer = (example: string) =>
  ({
    transactionId: ['ID', 'id', 'the transfer’s own id (not the event id)'],
    transactionType: ['String', 'type', example],
    reference: ['String', 'reference'],
    timestamp: ['DateTime', 'timestamp', UNIX_NOTE],
    fiatAmount: ['Decimal', 'fiat_amount'],
    fiatSymbol: ['String', 'fiat_symbol'],
  }) as const satisfies Record<string, ScalarFieldSpec>;

const savingsPlanIds = {
  savingsPlanId: ['ID', 'savings_plan_id'],
  externalTransactionId: ['ID', 'external_transaction_id'],
  savingsPlanTransactionStatus: ['String', 'savings_plan_transaction_status', 'e.g. "finished", "not_confirmed"'],
} as const satisfies Record<string, ScalarFieldSpec>;

const cryptoActionTransaction: NestedObjectSpec = {
  name: 'CryptoActionTransaction',
  description: 'One element of `transactions` in a `user.crypto-action` payload.',
  fields: {
    id: ['ID', 'id'],
    assetId: ['ID', 'asset_id'],
    assetInt: ['Int', 'asset_int', 'the asset’s integer id'],
    fiatId: ['ID', 'fiat_id'],
    fiatInt: ['Int', 'fiat_int', 'the fiat’s integer id'],
    assetAmount: ['Decimal', 'asset_amount'],
    fiatAmount: ['Decimal', 'fiat_amount'],
    feeAmount: ['Decimal', 'fee_amount'],
    typeDefinedFor: ['String', 'type_defined_for', 'e.g. "asset"'],
    direction: ['String', 'direction', '"incoming" or "outgoing"'],
  },
};

/** In the order of the Bitpanda docs. */
export const NOTIFICATION_KIND_TABLE = [
  {
    rawType: 'user.update',
    name: 'UserUpdateNotification',
    description: '`user.update`: a change to a user, such as a verification.',
    fields: {
      action: ['String', 'action', 'e.g. "verification"; new kinds may appear'],
      success: ['Boolean', 'success'],
      timestamp: ['DateTime', 'timestamp', UNIX_NOTE],
    },
  },
  {
    rawType: 'user.corporate-action',
    name: 'CorporateActionNotification',
    description: '`user.corporate-action`: a dividend, delisting, merger, split or spin-off booked for a user.',
    fields: {
      transactionId: ['ID', 'id', 'the booking’s own id (not the event id)'],
      corporateActionId: ['ID', 'ca_id'],
      corporateActionType: ['String', 'type', 'e.g. "dividend", "delisting"'],
      time: ['DateTime', 'time'],
      fiatId: ['ID', 'fiat_id'],
      assetId: ['ID', 'asset_id'],
      fiatSymbol: ['String', 'fiat_symbol'],
      assetAmount: ['Decimal', 'asset_amount'],
      assetSymbol: ['String', 'asset_symbol'],
    },
  },
  {
    rawType: 'user.non-user-initiated-tx',
    name: 'NonUserInitiatedTransactionNotification',
    description: '`user.non-user-initiated-tx`: a transaction the user did not start (staking reward, fee, refund…).',
    fields: nonUserTransaction,
  },
  {
    rawType: 'user.non-user-initiated-tx-v2',
    name: 'NonUserInitiatedTransactionV2Notification',
    description: '`user.non-user-initiated-tx-v2`: a transaction the user did not start, with its fiat side.',
    fields: {
      ...nonUserTransaction,
      fiatId: ['ID', 'fiat_id'],
      fiatAmount: ['Decimal', 'fiat_amount'],
      relatedOfferId: ['ID', 'related_offer_id'],
      typeDefinedFor: ['String', 'type_defined_for', 'e.g. "asset"'],
    },
  },
  {
    rawType: 'account.send-money',
    name: 'SendMoneyNotification',
    description: '`account.send-money`: money sent out of the account.',
    fields: {
      transactionId: ['ID', 'id', 'the transfer’s own id (not the event id)'],
      tradeId: ['ID', 'trade_id'],
      reference: ['String', 'reference'],
      timestamp: ['DateTime', 'timestamp', UNIX_NOTE],
      amountSent: ['Decimal', 'amount_sent'],
      fiatSymbol: ['String', 'fiat_symbol'],
      fiatBalance: ['Decimal', 'fiat_balance'],
    },
  },
  {
    rawType: 'account.send-money-success',
    name: 'SendMoneySuccessNotification',
    description: '`account.send-money-success`: money sent out of the account arrived.',
    fields: settledTransfer('e.g. "withdrawal"'),
  },
  {
    rawType: 'account.top-up',
    name: 'TopUpNotification',
    description: '`account.top-up`: a top-up of the account.',
    fields: {
      tradeId: ['ID', 'trade_id'],
      timestamp: ['DateTime', 'timestamp', UNIX_NOTE],
      fiatSymbol: ['String', 'fiat_symbol'],
      fiatBalance: ['Decimal', 'fiat_balance'],
      amountToDeposit: ['Decimal', 'amount_to_deposit'],
    },
  },
  {
    rawType: 'account.top-up-success',
    name: 'TopUpSuccessNotification',
    description: '`account.top-up-success`: a top-up of the account arrived.',
    fields: settledTransfer('e.g. "deposit"'),
  },
  {
    rawType: 'user.savings-plan-notification',
    name: 'SavingsPlanNotification',
    description: '`user.savings-plan-notification`: a savings plan’s status and its next transaction.',
    fields: {
      fiatId: ['ID', 'fiat_id'],
      assetId: ['ID', 'asset_id'],
      fiatAmount: ['Decimal', 'fiat_amount'],
      savingsPlanId: ['ID', 'savings_plan_id'],
      savingsPlanDay: ['Int', 'savings_plan_day'],
      savingsPlanStatus: ['String', 'savings_plan_status', 'e.g. "active"'],
      savingsPlanFrequency: ['String', 'savings_plan_frequency', '"weekly", "biweekly" or "monthly"'],
      externalTransactionId: ['ID', 'external_transaction_id'],
      savingsPlanCreatedAt: ['DateTime', 'savings_plan_created_at', UTC_NOTE],
      savingsPlanNextRecurrence: ['DateTime', 'savings_plan_next_recurrence', UTC_NOTE],
      savingsPlanTransactionConfirmationDeadline: ['DateTime', 'savings_plan_transaction_confirmation_deadline', UTC_NOTE],
    },
  },
  {
    rawType: 'user.savings-plan-trade-notification',
    name: 'SavingsPlanTradeSucceededNotification',
    description: '`user.savings-plan-trade-notification` with a finished trade.',
    matches: (payload: JsonObject) => savingsPlanTradeOutcome(payload) === 'succeeded',
    fields: {
      ...savingsPlanIds,
      offerId: ['ID', 'offer_id'],
      tradeId: ['ID', 'trade_id'],
    },
  },
  {
    rawType: 'user.savings-plan-trade-notification',
    name: 'SavingsPlanTradeFailedNotification',
    description: '`user.savings-plan-trade-notification` with a failed trade, e.g. not confirmed in time.',
    matches: (payload: JsonObject) => savingsPlanTradeOutcome(payload) === 'failed',
    fields: {
      ...savingsPlanIds,
      errorCode: ['String', 'error_code'],
      errorMessage: ['String', 'error_message'],
    },
  },
  {
    rawType: 'user.crypto-transfer-notification',
    name: 'CryptoTransferNotification',
    description: '`user.crypto-transfer-notification`: a crypto deposit or withdrawal and its progress.',
    fields: {
      transferId: ['ID', 'id', 'the transfer’s own id (not the event id)'],
      fee: ['Decimal', 'fee'],
      address: ['String', 'address'],
      approved: ['Boolean', 'approved'],
      assetId: ['ID', 'asset_id'],
      credited: ['Boolean', 'credited'],
      currency: ['String', 'currency'],
      networkId: ['ID', 'network_id'],
      creditedAt: ['DateTime', 'credited_at'],
      fiatAmount: ['Decimal', 'fiat_amount'],
      receivedAt: ['DateTime', 'received_at'],
      assetAmount: ['Decimal', 'asset_amount'],
      assetSymbol: ['String', 'asset_symbol'],
      processedAt: ['DateTime', 'processed_at'],
      destinationTag: ['String', 'destination_tag'],
      assetNetworkId: ['ID', 'asset_network_id'],
      transactionHash: ['String', 'transaction_hash'],
      transactionType: ['String', 'transaction_type', '"deposit" or "withdrawal"'],
      transactionStatus: ['String', 'transaction_status', 'e.g. "finished"'],
      taxDeclarationStatus: ['String', 'tax_declaration_status', 'e.g. "undeclared"'],
    },
  },
  {
    rawType: 'user.crypto-action',
    name: 'CryptoActionNotification',
    description: '`user.crypto-action`: a crypto corporate action such as a merger, with its transactions.',
    fields: {
      actionId: ['ID', 'id', 'the action’s own id (not the event id)'],
      actionType: ['String', 'type', 'e.g. "merger_crypto"'],
      creditedAt: ['DateTime', 'credited_at'],
      transactions: {
        list: cryptoActionTransaction,
        key: 'transactions',
        description: '`transactions`; elements that are not objects are skipped.',
      },
    },
  },
  {
    rawType: 'user.automated-order',
    name: 'AutomatedOrderNotification',
    description: '`user.automated-order`: an automated order and its outcome.',
    fields: {
      domainSlug: ['String', 'domain_slug'],
      tradeId: ['ID', 'trade_id'],
      assetId: ['ID', 'asset_id'],
      fiatId: ['ID', 'fiat_id'],
      assetAmount: ['Decimal', 'asset_amount'],
      fiatAmount: ['Decimal', 'fiat_amount'],
      orderType: ['String', 'type', 'e.g. "buy"'],
      status: ['String', 'status', '"finished", "failed", "cancelled" or "expired"'],
      orderCreatedAt: ['DateTime', 'created_at'],
      failReason: ['String', 'fail_reason', 'on failures'],
    },
  },
] as const satisfies readonly NotificationKindSpec[];

/** An upstream event type this release knows. */
export type KnownEventType = (typeof NOTIFICATION_KIND_TABLE)[number]['rawType'];
