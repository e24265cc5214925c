/**
 * How the WebSocket fan-out may serve a subscription field, declared on the field itself:
 * `extensions: fanout({ conflate: true, shareAcross: 'everyone' })`. The fan-out reads it from
 * the schema (`src/server/fanout/policy.ts`); a field without it is shared within one
 * authorisation scope and never conflated.
 */
export interface FanoutExtension {
  /**
   * Frames may be conflated for a socket that is behind: only the latest frame per `id` of the
   * root object is kept (per subscription). Only for fields whose every value supersedes the last.
   * @default false
   */
  conflate?: boolean;
  /**
   * Arguments that, when given, make each subscription run on its own: a replay from a cursor
   * depends on the moment the client subscribed, so it cannot join a group.
   * @default []
   */
  privateWhen?: readonly string[];
  /**
   * Whom a result depends on: `everyone` (the same for every client, so subscriptions are shared
   * across authorisation scopes) or `identity` (it depends on who is signed in: shared only within
   * one scope). A group runs with a context of no particular client, so an `everyone` field must
   * not read the caller from the context; whether a caller may subscribe at all is decided before
   * it joins a group.
   * @default 'identity'
   */
  shareAcross?: 'everyone' | 'identity';
}

/** The `extensions` of a subscription field with its fan-out policy. */
export function fanout(policy: FanoutExtension): { fanout: FanoutExtension } {
  return { fanout: policy };
}
