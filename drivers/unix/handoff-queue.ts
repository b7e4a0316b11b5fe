/**
 * A bounded queue between a producer that must not wait (socket events) and
 * consumers that do (accept, receive). Waiting consumers are served in order;
 * once closed, waiters and later takers get the closing error.
 */
export class HandoffQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve(item: T): void; reject(err: Error): void }[] = [];
  private closedWith: Error | null = null;

  constructor(private readonly limit: number) {}

  /** Hands `item` on; false (item not taken) when the queue is full or closed. */
  offer(item: T): boolean {
    if (this.closedWith) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(item);
      return true;
    }
    if (this.items.length >= this.limit) return false;
    this.items.push(item);
    return true;
  }

  take(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Fails every waiter with `err` and returns the items nobody took. */
  close(err: Error): T[] {
    this.closedWith ??= err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedWith);
    return this.items.splice(0);
  }
}

/** Iterates `next()` until it rejects with an error `isEnd` accepts. */
export async function* iterateUntil<T>(next: () => Promise<T>, isEnd: (err: unknown) => boolean): AsyncGenerator<T> {
  for (;;) {
    let item: T;
    try {
      item = await next();
    } catch (err) {
      if (isEnd(err)) return;
      throw err;
    }
    yield item;
  }
}
