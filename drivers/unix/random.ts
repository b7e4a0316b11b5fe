/** Random from the host's CSPRNG (`node:crypto`, getrandom(2) on Linux). */
import { randomFillSync } from 'node:crypto';
import type { Random } from '../../lib/devices/random.ts';

/** randomFillSync takes at most 2^31-1 bytes per call. */
const MAX_FILL = 2 ** 31 - 1;

export const unixRandom: Random = {
  fill(buffer: Uint8Array): void {
    for (let at = 0; at < buffer.length; at += MAX_FILL) {
      randomFillSync(buffer.subarray(at, Math.min(buffer.length, at + MAX_FILL)));
    }
  },
};
