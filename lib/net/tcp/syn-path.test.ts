/**
 * The SYN -> SYN-ACK path allocates nothing per SYN (issue #13): the
 * scenario (syn-path.scenario.ts) runs under QuickJS, the engine of images,
 * and after a warm-up round the runtime's memory limit is set to exactly
 * what is in use, so any allocation on the path (an object, a typed-array
 * view, a closure, a Map entry), even one freed at once, fails the round
 * with "out of memory". Both ways a SYN is answered are measured: a
 * half-open record (made, answered, reset and freed) and a SYN cookie.
 */
import { getQuickJS, type QuickJSContext } from 'quickjs-emscripten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForQuickJS } from '../../../test/support/quickjs-bundle.ts';

const HALF_OPEN = 0;
const COOKIE = 1;

describe('the SYN path under QuickJS', () => {
  let vm: QuickJSContext;

  beforeAll(async () => {
    vm = (await getQuickJS()).newContext();
    const evaluated = vm.evalCode(bundleForQuickJS(new URL('./syn-path.scenario.ts', import.meta.url)));
    if (evaluated.error) throw new Error(`QuickJS: ${JSON.stringify(vm.dump(evaluated.error))}`);
    evaluated.value.dispose();
  });

  afterAll(() => vm.dispose());

  /** Runs synRound(count, mode), under a memory limit of what is in use when `noAllocation`; returns SYN-ACKs sent. */
  function synRound(count: number, mode: number, noAllocation: boolean): number {
    const fn = vm.getProp(vm.global, 'synRound');
    const args = [vm.newNumber(count), vm.newNumber(mode)];
    if (noAllocation) {
      const usage = vm.runtime.computeMemoryUsage();
      const inUse = (vm.dump(usage) as { malloc_size: number }).malloc_size;
      usage.dispose();
      vm.runtime.setMemoryLimit(inUse);
    }
    const result = vm.callFunction(fn, vm.undefined, ...args);
    vm.runtime.setMemoryLimit(-1);
    fn.dispose();
    for (const a of args) a.dispose();
    if (result.error) {
      const error: unknown = vm.dump(result.error);
      result.error.dispose();
      // Out of memory, QuickJS may not have room for the error object itself: it throws null.
      throw new Error(`synRound(${count}, ${mode}) failed: ${error === null ? 'out of memory' : JSON.stringify(error)}`);
    }
    const synAcks = vm.dump(result.value) as number;
    result.value.dispose();
    return synAcks;
  }

  function counters(): Record<string, number> {
    const result = vm.evalCode('counters()');
    if (result.error) throw new Error(JSON.stringify(vm.dump(result.error)));
    const text = vm.dump(result.value) as string;
    result.value.dispose();
    return JSON.parse(text);
  }

  it('answers SYNs from half-open records, reset by the peer, with no allocation', () => {
    expect(synRound(200, HALF_OPEN, false)).toBe(200);
    const before = counters();
    expect(synRound(2000, HALF_OPEN, true)).toBe(2000);
    const after = counters();
    expect(after['connections.passive']! - before['connections.passive']!).toBe(2000);
    expect(after['rx.resets']! - before['rx.resets']!).toBe(2000);
    expect(after['syn-cookies.sent']).toBe(before['syn-cookies.sent']);
    expect(after['connections.open']).toBe(0);
  });

  it('answers a burst with SYN cookies, with no allocation', () => {
    expect(synRound(200, COOKIE, false)).toBe(200);
    const before = counters();
    expect(synRound(2000, COOKIE, true)).toBe(2000);
    const after = counters();
    expect(after['syn-cookies.sent']! - before['syn-cookies.sent']!).toBe(2000);
  });

  it('fails a round that allocates (the check can fail)', () => {
    vm.evalCode('globalThis.synRoundBefore = synRound; globalThis.synRound = (n, m) => { const kept = []; for (let i = 0; i < n; i++) kept.push(i); return synRoundBefore(n, m); }').dispose();
    expect(() => synRound(100, COOKIE, true)).toThrow(/out of memory/);
    vm.evalCode('globalThis.synRound = synRoundBefore').dispose();
  });
});
