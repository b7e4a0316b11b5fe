/**
 * Contract of the Random signature (lib/devices/random.ts). Statistical
 * checks use bounds that a uniform source fails with a probability far below
 * one in a billion, so they do not flake, while a constant, counting or
 * mostly-zero source fails them.
 */
import { randomU32, type Random } from '../../lib/devices/random.ts';
import { assert, assertBytesEqual, type ContractCase } from './harness.ts';

/** Chi-squared of byte frequencies against uniform (255 degrees of freedom: mean 255, sd about 22.6). */
function chiSquared(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  const expected = bytes.length / 256;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

export function randomContract(random: Random): ContractCase[] {
  return [
    {
      name: 'fill gives uniformly distributed bytes',
      run: async () => {
        const bytes = new Uint8Array(1 << 20);
        random.fill(bytes);
        const chi = chiSquared(bytes);
        // 255 + 12 standard deviations.
        assert(chi < 530, `byte frequencies are far from uniform (chi-squared ${chi.toFixed(1)})`);
      },
    },
    {
      name: 'fill overwrites every byte of the buffer',
      run: async () => {
        // A byte keeps its old value with probability 1/256 per fill; after 8 fills, with 2^-64.
        const buffer = new Uint8Array(4096);
        const changed = new Uint8Array(buffer.length);
        for (let round = 0; round < 8; round++) {
          const before = buffer.slice();
          random.fill(buffer);
          for (let i = 0; i < buffer.length; i++) if (buffer[i] !== before[i]) changed[i] = 1;
        }
        const stuck = changed.indexOf(0);
        assert(stuck < 0, `byte ${stuck} never changed in 8 fills`);
      },
    },
    {
      name: 'two fills differ',
      run: async () => {
        const a = new Uint8Array(32);
        const b = new Uint8Array(32);
        random.fill(a);
        random.fill(b);
        assert(a.some((x, i) => x !== b[i]), 'two 32-byte fills were identical');
      },
    },
    {
      name: 'fill of a view changes only the view',
      run: async () => {
        const whole = new Uint8Array(1024).fill(0x5a);
        random.fill(whole.subarray(256, 768));
        assertBytesEqual(whole.subarray(0, 256), new Uint8Array(256).fill(0x5a), 'bytes before the view');
        assertBytesEqual(whole.subarray(768), new Uint8Array(256).fill(0x5a), 'bytes after the view');
        assert(whole.subarray(256, 768).some((x) => x !== 0x5a), 'the view was filled');
      },
    },
    {
      name: 'fill of an empty buffer does nothing',
      run: async () => {
        random.fill(new Uint8Array(0));
      },
    },
    {
      name: 'randomU32 covers the high and low halves',
      run: async () => {
        let high = 0;
        let odd = 0;
        const n = 4096;
        for (let i = 0; i < n; i++) {
          const v = randomU32(random);
          assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `randomU32 gave ${v}`);
          if (v >= 0x80000000) high++;
          if (v & 1) odd++;
        }
        // Binomial(4096, 1/2): mean 2048, sd 32; 10 sd of slack.
        assert(Math.abs(high - n / 2) < 320, `${high} of ${n} values had the top bit set`);
        assert(Math.abs(odd - n / 2) < 320, `${odd} of ${n} values were odd`);
      },
    },
  ];
}
