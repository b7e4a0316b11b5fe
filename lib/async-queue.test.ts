import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.ts';

describe('AsyncQueue', () => {
  it('hands an item to the oldest waiter first, and holds it when nobody waits', async () => {
    const q = new AsyncQueue<number>();
    const first = q.take();
    const second = q.take();
    expect(q.offer(1)).toBe(true);
    expect(q.offer(2)).toBe(true);
    expect(q.offer(3)).toBe(true);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(await q.take()).toBe(3);
  });

  it('refuses items beyond the item limit, but not when a waiter takes them at once', async () => {
    const q = new AsyncQueue<string>({ items: 1 });
    const waiting = q.take();
    expect(q.offer('a')).toBe(true);
    expect(await waiting).toBe('a');
    expect(q.full).toBe(false);
    expect(q.offer('b')).toBe(true);
    expect(q.full).toBe(true);
    expect(q.offer('c')).toBe(false);
    expect(await q.take()).toBe('b');
    expect(q.offer('d')).toBe(true);
  });

  it('refuses items beyond the byte limit and gives the bytes back when taken', async () => {
    const q = new AsyncQueue<Uint8Array>({ bytes: 10, bytesOf: (b) => b.length });
    expect(q.offer(new Uint8Array(6))).toBe(true);
    expect(q.offer(new Uint8Array(5))).toBe(false);
    expect(q.offer(new Uint8Array(4))).toBe(true);
    expect((await q.take()).length).toBe(6);
    expect(q.offer(new Uint8Array(6))).toBe(true);
  });

  it('on close fails waiters and later takers with the first error and returns what nobody took', async () => {
    const q = new AsyncQueue<number>();
    const waiting = q.take();
    const first = new Error('first');
    expect(q.close(first)).toEqual([]);
    await expect(waiting).rejects.toBe(first);
    expect(q.offer(1)).toBe(false);
    expect(q.close(new Error('second'))).toEqual([]);
    await expect(q.take()).rejects.toBe(first);

    const held = new AsyncQueue<number>();
    held.offer(7);
    held.offer(8);
    expect(held.close(new Error('closed'))).toEqual([7, 8]);
    expect(held.closed).toBe(true);
  });

  it('iterates until closed, including a consumer waiting at the time', async () => {
    const q = new AsyncQueue<number>();
    q.offer(1);
    const seen: number[] = [];
    const consuming = (async () => {
      for await (const item of q) seen.push(item);
    })();
    await Promise.resolve();
    q.offer(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    q.close(new Error('closed'));
    await consuming;
    expect(seen).toEqual([1, 2]);
  });
});
