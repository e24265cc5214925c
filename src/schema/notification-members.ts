import { objects, type DecodedNotification, type JsonObject, type NotificationKind } from '../domain/notification-decode.js';
import { builder } from './builder.js';
import {
  NOTIFICATION_TYPE_NAMES,
  NotificationInterface,
  payloadFields,
  type PayloadFieldSpec,
} from './notification-interface.js';

/**
 * One object type per notification shape. Every payload field of the documented examples is a
 * typed, nullable field named in camelCase; payload keys that would clash with the interface
 * (`id`, `type`, `created_at`) get a name saying what they are.
 */

const payloadOf = (n: DecodedNotification): unknown => n.payload;

function member(kind: NotificationKind, description: string, specs: Record<string, PayloadFieldSpec>) {
  return builder.objectRef<DecodedNotification>(NOTIFICATION_TYPE_NAMES[kind]).implement({
    description,
    interfaces: [NotificationInterface],
    isTypeOf: (value) => (value as Partial<DecodedNotification> | null)?.kind === kind,
    fields: (t) => payloadFields(t, payloadOf, specs),
  });
}

export const UserUpdateNotification = member('UserUpdate', '`user.update`: a change to a user, such as a verification.', {
  action: ['String', 'action', 'e.g. "verification"; new kinds may appear'],
  success: ['Boolean', 'success'],
  timestamp: ['DateTime', 'timestamp', 'Unix seconds upstream'],
});

export const CorporateActionNotification = member(
  'CorporateAction',
  '`user.corporate-action`: a dividend, delisting, merger, split or spin-off booked for a user.',
  {
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
);

const nonUserTransaction: Record<string, PayloadFieldSpec> = {
  transactionId: ['ID', 'id', 'the transaction’s own id (not the event id)'],
  assetId: ['ID', 'asset_id'],
  assetAmount: ['Decimal', 'asset_amount'],
  transactionType: ['String', 'type', 'e.g. "staking_reward", "giveaway", "metal_storage_fee"'],
  direction: ['String', 'direction', '"incoming" or "outgoing"'],
  transactionCreatedAt: ['DateTime', 'created_at'],
};

export const NonUserInitiatedTransactionNotification = member(
  'NonUserInitiatedTransaction',
  '`user.non-user-initiated-tx`: a transaction the user did not start (staking reward, fee, refund…).',
  nonUserTransaction,
);

export const NonUserInitiatedTransactionV2Notification = member(
  'NonUserInitiatedTransactionV2',
  '`user.non-user-initiated-tx-v2`: a transaction the user did not start, with its fiat side.',
  {
    ...nonUserTransaction,
    fiatId: ['ID', 'fiat_id'],
    fiatAmount: ['Decimal', 'fiat_amount'],
    relatedOfferId: ['ID', 'related_offer_id'],
    typeDefinedFor: ['String', 'type_defined_for', 'e.g. "asset"'],
  },
);

export const SendMoneyNotification = member('SendMoney', '`account.send-money`: money sent out of the account.', {
  transactionId: ['ID', 'id', 'the transfer’s own id (not the event id)'],
  tradeId: ['ID', 'trade_id'],
  reference: ['String', 'reference'],
  timestamp: ['DateTime', 'timestamp', 'Unix seconds upstream'],
  amountSent: ['Decimal', 'amount_sent'],
  fiatSymbol: ['String', 'fiat_symbol'],
  fiatBalance: ['Decimal', 'fiat_balance'],
});

const settledTransfer = (example: string): Record<string, PayloadFieldSpec> => ({
  transactionId: ['ID', 'id', 'the transfer’s own id (not the event id)'],
  transactionType: ['String', 'type', example],
  reference: ['String', 'reference'],
  timestamp: ['DateTime', 'timestamp', 'Unix seconds upstream'],
  fiatAmount: ['Decimal', 'fiat_amount'],
  fiatSymbol: ['String', 'fiat_symbol'],
});

export const SendMoneySuccessNotification = member(
  'SendMoneySuccess',
  '`account.send-money-success`: money sent out of the account arrived.',
  settledTransfer('e.g. "withdrawal"'),
);

export const TopUpNotification = member('TopUp', '`account.top-up`: a top-up of the account.', {
  tradeId: ['ID', 'trade_id'],
  timestamp: ['DateTime', 'timestamp', 'Unix seconds upstream'],
  fiatSymbol: ['String', 'fiat_symbol'],
  fiatBalance: ['Decimal', 'fiat_balance'],
  amountToDeposit: ['Decimal', 'amount_to_deposit'],
});

export const TopUpSuccessNotification = member(
  'TopUpSuccess',
  '`account.top-up-success`: a top-up of the account arrived.',
  settledTransfer('e.g. "deposit"'),
);

const UTC_NOTE = 'sent as "YYYY-MM-DD HH:MM:SS" in UTC';
const savingsPlanIds: Record<string, PayloadFieldSpec> = {
  savingsPlanId: ['ID', 'savings_plan_id'],
  externalTransactionId: ['ID', 'external_transaction_id'],
  savingsPlanTransactionStatus: ['String', 'savings_plan_transaction_status', 'e.g. "finished", "not_confirmed"'],
};

export const SavingsPlanNotification = member(
  'SavingsPlanNotice',
  '`user.savings-plan-notification`: a savings plan’s status and its next transaction.',
  {
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
);

export const SavingsPlanTradeSucceededNotification = member(
  'SavingsPlanTradeSucceeded',
  '`user.savings-plan-trade-notification` with a finished trade.',
  {
    ...savingsPlanIds,
    offerId: ['ID', 'offer_id'],
    tradeId: ['ID', 'trade_id'],
  },
);

export const SavingsPlanTradeFailedNotification = member(
  'SavingsPlanTradeFailed',
  '`user.savings-plan-trade-notification` with a failed trade, e.g. not confirmed in time.',
  {
    ...savingsPlanIds,
    errorCode: ['String', 'error_code'],
    errorMessage: ['String', 'error_message'],
  },
);

export const CryptoTransferNotification = member(
  'CryptoTransfer',
  '`user.crypto-transfer-notification`: a crypto deposit or withdrawal and its progress.',
  {
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
);

export const CryptoActionTransaction = builder.objectRef<JsonObject>('CryptoActionTransaction').implement({
  description: 'One element of `transactions` in a `user.crypto-action` payload.',
  fields: (t) =>
    payloadFields(t, (tx) => tx, {
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
    }),
});

export const CryptoActionNotification = builder.objectRef<DecodedNotification>('CryptoActionNotification').implement({
  description: '`user.crypto-action`: a crypto corporate action such as a merger, with its transactions.',
  interfaces: [NotificationInterface],
  isTypeOf: (value) => (value as Partial<DecodedNotification> | null)?.kind === 'CryptoAction',
  fields: (t) => ({
    ...payloadFields(t, payloadOf, {
      actionId: ['ID', 'id', 'the action’s own id (not the event id)'],
      actionType: ['String', 'type', 'e.g. "merger_crypto"'],
      creditedAt: ['DateTime', 'credited_at'],
    }),
    transactions: t.field({
      type: [CryptoActionTransaction],
      nullable: true,
      description: '`transactions`; elements that are not objects are skipped.',
      resolve: (n) => (Array.isArray((n.payload as JsonObject | null)?.['transactions']) ? objects(n.payload, 'transactions') : null),
    }),
  }),
});

export const AutomatedOrderNotification = member(
  'AutomatedOrder',
  '`user.automated-order`: an automated order and its outcome.',
  {
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
);

export const UnknownNotification = builder.objectRef<DecodedNotification>('UnknownNotification').implement({
  description:
    'An event whose type this release does not know yet, or whose payload is not valid JSON or not of a known shape. Nothing is dropped: see `rawType` and `payload`.',
  interfaces: [NotificationInterface],
  isTypeOf: (value) => (value as Partial<DecodedNotification> | null)?.kind === 'UnknownNotification',
  fields: () => ({}),
});
