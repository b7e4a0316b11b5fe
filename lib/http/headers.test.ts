import { describe, expect, it } from 'vitest';
import { KilnHeaders } from './headers.ts';

describe('KilnHeaders (lib/web Headers)', () => {
  it('is case-insensitive, keeps repeats in order and joins them for get, iterates sorted', () => {
    const h = new KilnHeaders([
      ['Set-Cookie', 'a=1'],
      ['X-Tag', 'one'],
      ['set-cookie', 'b=2'],
    ]);
    expect(h.get('SET-COOKIE')).toBe('a=1, b=2');
    expect(h.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(KilnHeaders.valuesOf(h, 'set-cookie')).toEqual(['a=1', 'b=2']);
    h.set('x-tag', '  two  ');
    expect([...h]).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-tag', 'two'],
    ]);
    h.delete('Set-Cookie');
    expect(h.has('set-cookie')).toBe(false);
    expect(KilnHeaders.fieldsOf(h)).toEqual([['x-tag', 'two']]);
    expect(new KilnHeaders({ A: 'b' }).get('a')).toBe('b');
  });

  it('refuses names and values that could split a message', () => {
    const h = new KilnHeaders();
    for (const name of ['', 'a b', 'a:b', 'a\r\nb', 'ä']) expect(() => h.set(name, 'x'), name).toThrow(TypeError);
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\0b', 'a\x7fb', '€']) expect(() => h.append('x', value), value).toThrow(TypeError);
    expect(KilnHeaders.fieldsOf(h)).toEqual([]);
  });
});
