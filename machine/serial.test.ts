import { describe, expect, it } from 'vitest';

import { SerialCapture } from './serial.ts';

describe('SerialCapture', () => {
  it('turns the tty\'s "\\r\\n" back into "\\n", also when a chunk ends between them', () => {
    const capture = new SerialCapture([]);
    for (const chunk of ['one\r', '\ntwo\r\nthree\r', '\r\n']) capture.add(chunk);
    expect(capture.text).toBe('one\ntwo\nthree\r\n');
  });

  it('keeps a carriage return that no newline follows', () => {
    const capture = new SerialCapture([]);
    capture.add('progress 1\rprogress 2\r');
    expect(capture.text).toBe('progress 1\rprogress 2\r');
    capture.add('done');
    expect(capture.text).toBe('progress 1\rprogress 2\rdone');
  });

  it('notices watched strings split across chunks and separated by "\\r\\n", once', () => {
    const capture = new SerialCapture(['BEGIN x\n', 'never']);
    capture.add('noise BEG');
    expect(capture.seenAt('BEGIN x\n')).toBeUndefined();
    capture.add('IN x\r');
    expect(capture.seenAt('BEGIN x\n')).toBeUndefined();
    capture.add('\nrest');
    const first = capture.seenAt('BEGIN x\n');
    expect(first).toBeTypeOf('number');
    expect(capture.foundAt('BEGIN x\n')).toBe('noise '.length);
    capture.add('BEGIN x\r\n');
    expect(capture.seenAt('BEGIN x\n')).toBe(first);
    expect(capture.foundAt('BEGIN x\n')).toBe('noise '.length);
    expect(capture.seenAt('never')).toBeUndefined();
    expect(capture.foundAt('never')).toBeUndefined();
  });
});
