/**
 * The solo5 Block driver over stand-in bindings (the real ones are inside
 * images, tested there): flush goes to blockFlush; a tender without a
 * durable flush is reported once, at the first opening of the device; a
 * failed flush is a typed error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BlockError } from '../../lib/devices/block.ts';
import type { KilnBindings } from './bindings.ts';
import { openSolo5Block } from './block.ts';

function standIn(durableFlush: boolean, flushError?: string): { flushes: () => number } {
  let flushes = 0;
  globalThis.__kiln = {
    blockAcquire: () => ({ handle: 3, capacity: 8192, blockSize: 512, durableFlush }),
    blockFlush: (handle: number) => {
      expect(handle).toBe(3);
      if (flushError) throw Object.assign(new Error('flush failed'), { code: flushError });
      flushes++;
    },
  } as unknown as KilnBindings;
  return { flushes: () => flushes };
}

const saved = globalThis.__kiln;
afterEach(() => {
  globalThis.__kiln = saved;
});

describe('solo5 Block flush', () => {
  it('flushes through blockFlush and is quiet where the tender makes writes durable', async () => {
    const k = standIn(true);
    const warnings: string[] = [];
    const block = openSolo5Block('durable', { warn: (m) => warnings.push(m) });
    await block.flush();
    await block.flush();
    expect(k.flushes()).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('says once that writes are not durable on a tender without flush', async () => {
    standIn(false);
    const warnings: string[] = [];
    await openSolo5Block('upstream', { warn: (m) => warnings.push(m) }).flush();
    await openSolo5Block('upstream', { warn: (m) => warnings.push(m) }).flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/block 'upstream': this tender has no block flush .* not a crash of the host/);
  });

  it('turns a failed flush into a BlockError, unavailable for a refused device', async () => {
    standIn(true, 'EUNSPEC');
    await expect(openSolo5Block('failing').flush()).rejects.toMatchObject({ code: 'io' });
    standIn(true, 'EUNAVAIL');
    const refused = openSolo5Block('refused').flush();
    await expect(refused).rejects.toBeInstanceOf(BlockError);
    await expect(refused).rejects.toMatchObject({ code: 'unavailable' });
  });
});
