/**
 * Every close code the GraphQL WebSocket endpoint sends. The 44xx/45xx values are
 * graphql-ws's `CloseCode` (a test pins them); `SlowConsumer` is the gateway's own.
 */
export enum WsCloseCode {
  /** the server is stopping; clients reconnect elsewhere */
  GoingAway = 1001,
  /**
   * The connection fell further behind than `WS_SEND_LIMIT_BYTES` on a subscription that
   * cannot drop updates (notifications). Nothing was dropped: reconnect and resubscribe with
   * `after:` the cursor of the last event received. RFC 6455 "Try Again Later", which
   * graphql-ws clients retry by default.
   */
  SlowConsumer = 1013,
  /** a message over the transport's hard cap, or over `MAX_REQUEST_BYTES` and not a subscribe (RFC 6455 "Message Too Big") */
  MessageTooBig = 1009,
  /** more open connections than `MAX_CONNECTIONS_PER_CLIENT` for this client (RFC 6455 "Policy Violation") */
  PolicyViolation = 1008,
  BadRequest = 4400,
  Unauthorized = 4401,
  Forbidden = 4403,
  SubprotocolNotAcceptable = 4406,
  ConnectionInitialisationTimeout = 4408,
  SubscriberAlreadyExists = 4409,
  TooManyInitialisationRequests = 4429,
  InternalServerError = 4500,
}

/** graphql-ws's rule: a close reason must stay under 124 characters. */
export function limitCloseReason(reason: string, whenTooLong: string): string {
  return reason.length < 124 ? reason : whenTooLong;
}

const INTERNAL_ERROR = 'Internal server error';

/** The reason of a 4500 close: the error's message, or only that it was internal when details are hidden. */
export function internalErrorReason(error: unknown, hideDetails: boolean): string {
  if (hideDetails) return INTERNAL_ERROR;
  return limitCloseReason(error instanceof Error ? error.message : String(error), INTERNAL_ERROR);
}
