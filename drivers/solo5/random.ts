/**
 * Random over the runtime's ChaCha20 generator, seeded from RDSEED/RDRAND
 * where the CPU has them, else timing jitter and the clocks (see
 * runtime/src/random.c for the sources and their strength).
 */
import type { Random } from '../../lib/devices/random.ts';
import { bindings } from './bindings.ts';

export function createSolo5Random(): Random {
  const k = bindings();
  return { fill: (buffer) => void k.randomBytes(buffer) };
}
