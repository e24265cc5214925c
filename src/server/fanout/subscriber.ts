import type { GraphQLError } from 'graphql';
import { completeMessage, errorMessage, nextPrefix } from './messages.js';
import type { Outbox } from './outbox.js';
import { TextFrame } from './text-frame.js';

const CLOSE_BRACE = Buffer.from('}');

/**
 * The frame last built for a shared payload: the members of a group mostly use the same
 * subscription id, so one frame serves them all; another id builds (and keeps) its own.
 */
let lastPayload: Buffer | null = null;
let lastPrefix = '';
let lastFrame: TextFrame | null = null;

function sharedFrame(prefix: string, payload: Buffer): TextFrame {
  if (payload !== lastPayload || prefix !== lastPrefix) {
    lastFrame = new TextFrame([prefix, payload, CLOSE_BRACE]);
    lastPayload = payload;
    lastPrefix = prefix;
  }
  return lastFrame!;
}

/**
 * The `next` prefix of recent subscription ids: clients mostly use the same few ids ("1", a
 * UUID per screen), so subscribers share the string instead of holding one each.
 */
const prefixes = new Map<string, string>();
const MAX_PREFIXES = 1024;

function prefixOf(id: string): string {
  let prefix = prefixes.get(id);
  if (prefix === undefined) {
    prefix = nextPrefix(id);
    if (id.length <= 64) {
      if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
      prefixes.set(id, prefix);
    }
  }
  return prefix;
}

/** Called once when a subscriber is cancelled. */
export type CancelHook = (subscriber: Subscriber) => void;

/** The connection a subscriber belongs to. */
export interface SubscriberHost {
  /** the subscriber finished: its id is free again */
  release(subscriber: Subscriber): void;
  /** an unexpected failure while serving it: the connection closes with 4500 */
  fail(error: unknown): void;
}

/**
 * One operation of one connection, under the id the client chose. Whoever produces its
 * results (a shared group or its own execution) writes through here; once it is finished or
 * cancelled every write is a no-op, so late producers need no checks of their own.
 */
export class Subscriber {
  /** `{"id":…,"type":"next","payload":` */
  readonly prefix: string;
  /** false once completed, failed, cancelled by the client or closed with the connection */
  active = true;
  /** true when only the latest frame per key must reach a socket that is behind */
  conflate = false;
  /** what runs on cancel: none, one hook, or several (rare) */
  private cancelHooks: CancelHook | CancelHook[] | null = null;

  constructor(
    readonly id: string,
    private readonly outbox: Outbox,
    private readonly host: SubscriberHost,
  ) {
    this.prefix = prefixOf(id);
  }

  /** A `next` message with an already serialized payload. */
  next(payloadJson: string, key: string | null): void {
    if (this.active) this.outbox.next(this, this.prefix + payloadJson + '}', this.conflate ? key : null);
  }

  /**
   * A `next` message with a payload serialized and encoded once for many subscribers: the
   * framed bytes are built once per payload and subscription id, and handed to every socket.
   */
  nextShared(payload: Buffer, key: string | null): void {
    if (!this.active) return;
    this.outbox.next(this, sharedFrame(this.prefix, payload), this.conflate ? key : null);
  }

  error(errors: readonly GraphQLError[]): void {
    if (!this.active) return;
    this.outbox.send(errorMessage(this.id, errors));
    this.finish();
  }

  complete(): void {
    if (!this.active) return;
    this.outbox.send(completeMessage(this.id));
    this.finish();
  }

  /** The client completed it or the connection closed: nothing more is sent. */
  cancel(): void {
    if (!this.active) return;
    const hooks = this.cancelHooks;
    this.finish();
    this.outbox.discard(this);
    if (typeof hooks === 'function') hooks(this);
    else if (hooks) for (const hook of hooks) hook(this);
  }

  /** Runs `hook` (with this subscriber) on cancel, at once when already inactive. */
  onCancel(hook: CancelHook): void {
    if (!this.active) return hook(this);
    const hooks = this.cancelHooks;
    this.cancelHooks = hooks === null ? hook : typeof hooks === 'function' ? [hooks, hook] : [...hooks, hook];
  }

  fail(error: unknown): void {
    if (this.active) this.host.fail(error);
  }

  /** Resolves when the connection is not behind: for producers that can wait. */
  writable(): Promise<void> {
    return this.outbox.writable();
  }

  private finish(): void {
    this.active = false;
    this.cancelHooks = null;
    this.host.release(this);
  }
}
