// Event/EventTarget, AbortController/AbortSignal, atob/btoa, structuredClone,
// randomUUID from lib/web (not Node's).
import { describe, expect, it, vi } from 'vitest';

import { AbortController, AbortSignal } from './abort.ts';
import { atob, btoa } from './base64.ts';
import { DOMException } from './dom-exception.ts';
import { CustomEvent, Event, EventTarget } from './event-target.ts';
import { randomUUID } from './random-uuid.ts';
import { structuredClone } from './structured-clone.ts';

describe('EventTarget', () => {
  it('calls listeners in order, once, not twice for the same callback, and stops on stopImmediatePropagation', () => {
    const target = new EventTarget();
    const calls: string[] = [];
    const a = () => calls.push('a');
    target.addEventListener('x', a);
    target.addEventListener('x', a);
    target.addEventListener('x', () => calls.push('once'), { once: true });
    target.addEventListener('x', { handleEvent: (e) => calls.push(`obj:${e.type}`) });
    target.dispatchEvent(new Event('x'));
    target.dispatchEvent(new Event('x'));
    expect(calls).toEqual(['a', 'once', 'obj:x', 'a', 'obj:x']);
    target.removeEventListener('x', a);
    const stopper = new EventTarget();
    stopper.addEventListener('y', (e) => e.stopImmediatePropagation());
    stopper.addEventListener('y', () => calls.push('never'));
    stopper.dispatchEvent(new Event('y'));
    expect(calls).not.toContain('never');
  });

  it('reports preventDefault through the return value; CustomEvent carries detail', () => {
    const target = new EventTarget();
    target.addEventListener('c', (e) => e.preventDefault());
    expect(target.dispatchEvent(new Event('c', { cancelable: true }))).toBe(false);
    expect(target.dispatchEvent(new Event('c'))).toBe(true);
    let seen: unknown;
    target.addEventListener('d', (e) => (seen = [(e as CustomEvent<number>).detail, e.target === target]));
    target.dispatchEvent(new CustomEvent('d', { detail: 7 }));
    expect(seen).toEqual([7, true]);
  });

  it('keeps dispatching after a listener throws', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const target = new EventTarget();
    let after = false;
    target.addEventListener('z', () => {
      throw new Error('listener');
    });
    target.addEventListener('z', () => (after = true));
    target.dispatchEvent(new Event('z'));
    expect(after).toBe(true);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});

describe('AbortController and AbortSignal', () => {
  it('aborts once with a reason (an AbortError by default), firing abort and onabort', () => {
    const controller = new AbortController();
    const events: string[] = [];
    controller.signal.onabort = () => events.push('onabort');
    controller.signal.addEventListener('abort', () => events.push('listener'));
    controller.abort();
    controller.abort('again');
    expect(events).toEqual(['onabort', 'listener']);
    expect(controller.signal.reason).toBeInstanceOf(DOMException);
    expect((controller.signal.reason as DOMException).name).toBe('AbortError');
    expect(() => controller.signal.throwIfAborted()).toThrow(DOMException);
  });

  it('AbortSignal.timeout aborts with a TimeoutError; any follows the first', async () => {
    vi.useFakeTimers();
    try {
      const signal = AbortSignal.timeout(50);
      expect(signal.aborted).toBe(false);
      vi.advanceTimersByTime(50);
      expect((signal.reason as DOMException).name).toBe('TimeoutError');
    } finally {
      vi.useRealTimers();
    }
    const a = new AbortController();
    const b = new AbortController();
    const any = AbortSignal.any([a.signal, b.signal]);
    b.abort('b');
    expect(any.reason).toBe('b');
    expect(AbortSignal.abort('x').aborted).toBe(true);
    expect(() => new (AbortSignal as unknown as new () => unknown)()).toThrow();
  });
});

describe('atob and btoa', () => {
  it('round-trip bytes and accept forgiving base64', () => {
    const bytes = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(atob(btoa(bytes))).toBe(bytes);
    expect(btoa('hello')).toBe('aGVsbG8=');
    expect(atob(' aGVs bG8 ')).toBe('hello');
    expect(atob('aGVsbA')).toBe('hell');
    expect(() => atob('a')).toThrow(DOMException);
    expect(() => atob('aGVsbG8*')).toThrow(DOMException);
    expect(() => btoa('€')).toThrow(DOMException);
  });
});

describe('structuredClone', () => {
  it('copies the serializable types, keeping cycles and shared references', () => {
    const shared = { n: 1 };
    const source: Record<string, unknown> = {
      date: new Date(5),
      re: /a+/gi,
      map: new Map([[1, shared]]),
      set: new Set([shared]),
      bytes: new Uint16Array([1, 2, 3]).subarray(1),
      big: 10n,
      err: new RangeError('r'),
      arr: [shared, undefined, null],
    };
    source.self = source;
    const copy = structuredClone(source);
    expect(copy).not.toBe(source);
    expect(copy.self).toBe(copy);
    expect((copy.date as Date).getTime()).toBe(5);
    expect(String(copy.re)).toBe('/a+/gi');
    const arr = copy.arr as unknown[];
    expect((copy.map as Map<number, unknown>).get(1)).toBe(arr[0]);
    expect(arr[0]).not.toBe(shared);
    expect([...(copy.bytes as Uint16Array)]).toEqual([2, 3]);
    expect(copy.err).toBeInstanceOf(RangeError);
  });

  it('refuses functions and symbols with DataCloneError', () => {
    expect(() => structuredClone({ f() {} })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
    expect(() => structuredClone(Symbol('s'))).toThrow(DOMException);
  });
});

describe('randomUUID', () => {
  it('makes version 4, variant 10 UUIDs from the random bytes given', () => {
    const uuid = randomUUID((a) => a.fill(0xff));
    expect(uuid).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(randomUUID((a) => crypto.getRandomValues(a))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
