/** The bytes interop tests send: reproducible, and never periodic at any small length. */
import { SeededRandom } from '../../lib/testing/seeded-random.ts';

export function testPattern(length: number, seed = 16): Uint8Array {
  const out = new Uint8Array(length);
  new SeededRandom(seed).fill(out);
  return out;
}
