import { describe, expect, it } from 'vitest';
import { markerStartAtEnd } from './vm.ts';

describe('live output: what is held back in case it starts the end marker', () => {
  const marker = '\nKILN-VM-SCRIPT-END 0123456789abcdef status=';
  it('holds back only a tail that begins the marker', () => {
    expect(markerStartAtEnd('http: listening on 0.0.0.0:8080', marker)).toBe(0);
    expect(markerStartAtEnd('http: listening on 0.0.0.0:8080\n', marker)).toBe(1);
    expect(markerStartAtEnd('line\nKILN-VM-SCR', marker)).toBe('\nKILN-VM-SCR'.length);
    expect(markerStartAtEnd('line\nKILN-VM-SCX', marker)).toBe(0);
    expect(markerStartAtEnd('', marker)).toBe(0);
  });
});
