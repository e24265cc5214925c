/** What the upstream components report; `Query.upstream` and `/ready` read it. */

export type PriceSocketState = 'idle' | 'connecting' | 'subscribing' | 'subscribed' | 'reconnecting' | 'stopped';

export interface ChannelStatus {
  channel: 'prices-v1' | 'price-changes-v1';
  /** true once the server answered `status: success` for the current connection */
  subscribed: boolean;
  /** the last error frame's text for this channel, if any since the last success */
  lastError: string | null;
  /** epoch ms of the last data frame on this channel */
  lastFrameAt: number | null;
  frames: number;
}

export interface PriceSocketStatus {
  state: PriceSocketState;
  url: string;
  connectedSince: number | null;
  reconnects: number;
  /** the reconnect attempt number since the last successful subscription (0 when healthy) */
  attempt: number;
  lastError: string | null;
  malformedFrames: number;
  unknownFrames: number;
  channels: ChannelStatus[];
}

export type PollerState = 'idle' | 'polling' | 'waiting' | 'backing-off' | 'stopped';

export interface PollerStatus {
  state: PollerState;
  url: string;
  /** the `after_id` the next poll sends */
  cursor: string | null;
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  /** ms between the newest stored event's `created_at` and now, at the last poll */
  lagMs: number | null;
  eventsStored: number;
  duplicatesSkipped: number;
  consecutiveFailures: number;
  /** epoch ms when the first of the polls failing since the last success started; null while healthy */
  failingSince: number | null;
  lastError: string | null;
  /** epoch ms when the next poll is due */
  nextPollAt: number | null;
}
