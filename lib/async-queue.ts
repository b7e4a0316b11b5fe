/**
 * A bounded queue between a producer that must not wait (frames, socket
 * events) and consumers that do (accept, receive). Waiting consumers are
 * served in order; once closed, waiters and later takers get the closing
 * error, and iteration ends.
 */

export interface AsyncQueueLimits<T> {
  /** Items held while nobody waits (default: no limit). */
  items?: number;
  /** Bytes held while nobody waits, as `bytesOf` counts them (default: no limit). */
  bytes?: number;
  bytesOf?: (item: T) => number;
}

interface Waiter<T> {
  resolve(item: T): void;
  reject(err: Error): void;
}

export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private closedWith: Error | null = null;
  private heldBytes = 0;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly bytesOf: (item: T) => number;

  constructor(limits: AsyncQueueLimits<T> = {}) {
    this.maxItems = limits.items ?? Infinity;
    this.maxBytes = limits.bytes ?? Infinity;
    this.bytesOf = limits.bytesOf ?? (() => 0);
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** No room for one more item while nobody waits. */
  get full(): boolean {
    return this.items.length >= this.maxItems;
  }

  /** Hands `item` on; false (item not taken) when the queue is full or closed. */
  offer(item: T): boolean {
    if (this.closedWith) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(item);
      return true;
    }
    const bytes = this.bytesOf(item);
    if (this.full || this.heldBytes + bytes > this.maxBytes) return false;
    this.items.push(item);
    this.heldBytes += bytes;
    return true;
  }

  /** The oldest item; waits while there is none; rejects with the closing error once closed and empty. */
  take(): Promise<T> {
    if (this.items.length > 0) {
      const item = this.items.shift()!;
      this.heldBytes -= this.bytesOf(item);
      return Promise.resolve(item);
    }
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Fails every waiter with `err` (the first close's error stays) and returns the items nobody took. */
  close(err: Error): T[] {
    this.closedWith ??= err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedWith);
    this.heldBytes = 0;
    return this.items.splice(0);
  }

  /** Takes items until the queue is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.take();
      } catch (err) {
        if (err === this.closedWith) return;
        throw err;
      }
      yield item;
    }
  }
}
