import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { memoryFigures, memoryPressure } from './memory.ts';

type Figures = { heapSize: number; inUse: number; pagesUsed: number };
const g = globalThis as unknown as { __kiln?: { memory: () => Figures; heapFree: () => number; gc: () => void } };

/** An image runtime's memory bindings, as `__kiln` gives them, over figures the test sets. */
function fakeRuntime(figures: Figures, collect: (f: Figures) => void = () => {}) {
  const calls = { gc: 0 };
  g.__kiln = {
    memory: () => ({ ...figures }),
    heapFree: () => figures.heapSize - Math.max(figures.inUse, figures.pagesUsed * 4096),
    gc: () => {
      calls.gc++;
      collect(figures);
    },
  };
  return calls;
}

const MB = 1_000_000;

describe('examples/http memory figures and load shedding', () => {
  afterEach(() => delete g.__kiln);

  it('is never short on Node', () => {
    expect(memoryPressure(new VirtualClock())()).toBe(false);
    expect(memoryFigures()).toMatchObject({ rss: expect.any(Number) });
  });

  it('is short below an eighth free, after collecting garbage at most every 100 ms', () => {
    const clock = new VirtualClock();
    // Collecting frees enough the first time only.
    let garbage = true;
    const figures = { heapSize: 8 * MB, inUse: 7.5 * MB, pagesUsed: 0 };
    const calls = fakeRuntime(figures, (f) => {
      if (garbage) f.inUse = 2 * MB;
      garbage = false;
    });
    const overloaded = memoryPressure(clock);
    expect(overloaded()).toBe(false);
    expect(calls.gc).toBe(1);
    expect(overloaded()).toBe(false); // 6 MB free now: no collection needed
    figures.inUse = 7.5 * MB; // live data this time
    clock.advance(50);
    expect(overloaded()).toBe(true); // within 100 ms of the last collection: short without collecting
    expect(calls.gc).toBe(1);
    clock.advance(50);
    expect(overloaded()).toBe(true);
    expect(calls.gc).toBe(2);
  });
});
