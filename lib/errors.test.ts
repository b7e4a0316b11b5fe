import { describe, expect, it } from 'vitest';
import { isOutOfMemory } from './errors.ts';

describe('isOutOfMemory', () => {
  it('tells allocation failures from other errors, which still escape as the bugs they are', () => {
    const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });
    expect(isOutOfMemory(named('InternalError', 'out of memory'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(null)).toBe(true); // QuickJS, when the error object itself could not be allocated
    expect(isOutOfMemory(named('InternalError', 'stack overflow'))).toBe(false);
    expect(isOutOfMemory(new TypeError('out of memory'))).toBe(false);
    expect(isOutOfMemory('out of memory')).toBe(false);
  });
});
