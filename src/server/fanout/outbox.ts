import { TextFrame } from './text-frame.js';

/** Bytes a frame's message takes (only computed for frames that wait). */
function byteSize(frame: Frame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame instanceof TextFrame ? frame.text.length : frame.length;
}

/** One accepted socket as the protocol and the outbox see it (the ws adapter builds it). */
export interface Transport {
  /** the negotiated subprotocol */
  readonly protocol: string;
  /** bytes written but not yet handed to the kernel */
  readonly bufferedAmount: number;
  /** one text message; a Buffer holds its UTF-8 bytes, a TextFrame also its framed bytes */
  write(data: Frame): void;
  close(code: number, reason: string): void;
  /** calls back once when the write buffer may have drained; returns what cancels the wait */
  onceDrained(callback: () => void): () => void;
}

/** A subscription as seen by the outbox: its frames and its conflation slots belong to it. */
export interface OutboxOwner {
  readonly id: string;
}

export interface OutboxOptions {
  /** above this many buffered bytes the socket is behind: frames wait here @default 65536 */
  highWaterBytes?: number;
  /** buffered plus waiting lossless bytes past which the connection is closed @default 1048576 */
  limitBytes?: number;
  /** a frame was replaced by a newer one of the same key */
  onConflated?: () => void;
  /** the lossless backlog passed `limitBytes`: the owner closes the connection */
  onOverflow?: () => void;
}

/** A frame: text, its UTF-8 bytes, or both framed for the wire (shared frames are built once per event). */
export type Frame = string | Buffer | TextFrame;

interface Entry {
  text: Frame;
  owner: OutboxOwner | null;
  /** conflation key, null for frames that are never dropped */
  key: string | null;
  dead: boolean;
}

/**
 * The outbound side of one connection. While the socket keeps up, frames go straight to it.
 * Once `bufferedAmount` passes the high-water mark frames wait here, in order: a conflatable
 * frame replaces the waiting one of the same subscription and key (only the latest value is
 * kept), any other frame counts against `limitBytes`. Waiting frames are written as the socket
 * drains, never more than the high-water mark at a time.
 */
export class Outbox {
  private readonly queue: Entry[] = [];
  private head = 0;
  /** conflation slots of waiting frames, created when a frame first waits */
  private slots: Map<OutboxOwner, Map<string, Entry>> | null = null;
  private losslessBytes = 0;
  private conflatedBytes = 0;
  private cancelWait: (() => void) | null = null;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly highWaterBytes: number;
  private readonly limitBytes: number;
  private readonly onConflated: () => void;
  private readonly onOverflow: () => void;

  constructor(
    private readonly transport: Transport,
    { highWaterBytes = 65_536, limitBytes = 1_048_576, onConflated = () => {}, onOverflow = () => {} }: OutboxOptions = {},
  ) {
    this.highWaterBytes = highWaterBytes;
    this.limitBytes = limitBytes;
    this.onConflated = onConflated;
    this.onOverflow = onOverflow;
  }

  /** bytes waiting here (not yet written to the socket) */
  get queuedBytes(): number {
    return this.losslessBytes + this.conflatedBytes;
  }

  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  /** A control message (ack, pong, error, complete): never dropped, in order with the rest. */
  send(text: string): void {
    if (this.closed) return;
    if (this.head === this.queue.length) this.transport.write(text);
    else this.enqueue(text, null, null);
  }

  /** A `next` frame; with a key, a newer frame of the same owner and key replaces it while waiting. */
  next(owner: OutboxOwner, text: Frame, key: string | null): void {
    if (this.closed) return;
    if (this.head === this.queue.length && this.transport.bufferedAmount < this.highWaterBytes) {
      this.transport.write(text);
      return;
    }
    if (key !== null) {
      const waiting = this.slots?.get(owner)?.get(key);
      if (waiting) {
        this.conflatedBytes += byteSize(text) - byteSize(waiting.text);
        waiting.text = text;
        this.onConflated();
        return;
      }
    } else if (this.transport.bufferedAmount + this.losslessBytes + byteSize(text) > this.limitBytes) {
      this.onOverflow();
      return;
    }
    this.enqueue(text, owner, key);
  }

  /** Resolves once this connection is not behind (for producers that can wait). */
  writable(): Promise<void> {
    if (this.closed || (this.head === this.queue.length && this.transport.bufferedAmount < this.highWaterBytes)) {
      return Promise.resolve();
    }
    this.watch();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops the waiting frames of a subscription the client completed. */
  discard(owner: OutboxOwner): void {
    if (this.head === this.queue.length) return;
    for (let i = this.head; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      if (entry.owner === owner && !entry.dead) this.kill(entry);
    }
    this.slots?.delete(owner);
  }

  /** Frees everything waiting; later frames are ignored. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.slots = null;
    this.losslessBytes = this.conflatedBytes = 0;
    this.cancelWait?.();
    this.cancelWait = null;
    this.release();
  }

  private enqueue(text: Frame, owner: OutboxOwner | null, key: string | null): void {
    const entry: Entry = { text, owner, key, dead: false };
    this.queue.push(entry);
    if (key !== null && owner !== null) {
      this.slots ??= new Map();
      let slots = this.slots.get(owner);
      if (!slots) this.slots.set(owner, (slots = new Map()));
      slots.set(key, entry);
      this.conflatedBytes += byteSize(text);
    } else this.losslessBytes += byteSize(text);
    this.watch();
  }

  private kill(entry: Entry): void {
    entry.dead = true;
    if (entry.key === null) this.losslessBytes -= byteSize(entry.text);
    else this.conflatedBytes -= byteSize(entry.text);
  }

  private watch(): void {
    if (this.cancelWait || this.closed) return;
    this.cancelWait = this.transport.onceDrained(() => {
      this.cancelWait = null;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    while (this.head < this.queue.length && this.transport.bufferedAmount < this.highWaterBytes) {
      const entry = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Entry;
      if (entry.dead) continue;
      this.kill(entry);
      if (entry.key !== null && entry.owner !== null) this.slots?.get(entry.owner)?.delete(entry.key);
      this.transport.write(entry.text);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length || this.transport.bufferedAmount >= this.highWaterBytes) this.watch();
    else this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
