import { describe, expect, it } from 'vitest';
import { DateHeader, formatImfFixdate } from './date.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';

describe('Date field', () => {
  it('formats IMF-fixdate like the platform for dates across centuries and leap days', () => {
    const seconds = [0, 784111777, 951782400, 4107542399, 1_700_000_000, 1_709_251_199, 253402300799];
    for (const s of seconds) expect(formatImfFixdate(s)).toBe(new Date(s * 1000).toUTCString());
    expect(formatImfFixdate(784111777)).toBe('Sun, 06 Nov 1994 08:49:37 GMT'); // RFC 9110's example
  });

  it('changes with the second, not before', () => {
    const clock = new VirtualClock({ wallNs: 1_700_000_000_250_000_000n });
    const date = new DateHeader(clock);
    const first = date.now();
    expect(first).toBe('Tue, 14 Nov 2023 22:13:20 GMT');
    clock.advance(749);
    expect(date.now()).toBe(first);
    clock.advance(1);
    expect(date.now()).toBe('Tue, 14 Nov 2023 22:13:21 GMT');
  });
});
