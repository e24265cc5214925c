
      export interface PossibleTypesResultData {
        possibleTypes: {
          [key: string]: string[]
        }
      }
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "Notification": [
      "AutomatedOrderNotification",
      "CorporateActionNotification",
      "CryptoActionNotification",
      "CryptoTransferNotification",
      "NonUserInitiatedTransactionNotification",
      "NonUserInitiatedTransactionV2Notification",
      "SavingsPlanNotification",
      "SavingsPlanTradeFailedNotification",
      "SavingsPlanTradeSucceededNotification",
      "SendMoneyNotification",
      "SendMoneySuccessNotification",
      "TopUpNotification",
      "TopUpSuccessNotification",
      "UnknownNotification",
      "UserUpdateNotification"
    ],
    "NotificationEvent": [
      "AutomatedOrderNotification",
      "CorporateActionNotification",
      "CryptoActionNotification",
      "CryptoTransferNotification",
      "NonUserInitiatedTransactionNotification",
      "NonUserInitiatedTransactionV2Notification",
      "SavingsPlanNotification",
      "SavingsPlanTradeFailedNotification",
      "SavingsPlanTradeSucceededNotification",
      "SendMoneyNotification",
      "SendMoneySuccessNotification",
      "TopUpNotification",
      "TopUpSuccessNotification",
      "UnknownNotification",
      "UserUpdateNotification"
    ]
  }
};
      export default result;
    