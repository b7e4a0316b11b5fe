import { describe, expect, it } from 'vitest';
import { consoleOver, isoTime } from './console.ts';

describe('consoleOver with a time stamp (--log-time)', () => {
  it('starts every line, levelled or written, with the stamp', () => {
    const lines: string[] = [];
    let ms = 0;
    const console = consoleOver((line) => lines.push(line), 'info', () => `t${ms++}`);
    console.info('one');
    console.debug('hidden');
    console.write('raw');
    console.error('two');
    expect(lines).toEqual(['t0 [info] one', 't1 raw', 't2 [error] two']);
  });

  it('formats wall-clock nanoseconds as ISO 8601 with milliseconds', () => {
    expect(isoTime(1_796_000_000_123_456_789n)).toBe('2026-11-30T00:53:20.123Z');
  });
});
