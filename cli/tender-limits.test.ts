import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memLimits } from './tender-limits.ts';

describe('memLimits', () => {
  it("reads kiln-hvt's --mem range and default from the tender's header", () => {
    expect(memLimits()).toEqual({ minMb: 2, defaultMb: 512, maxMb: 4096 });
  });

  it('names the header and the missing line when one is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-limits-'));
    try {
      const header = join(dir, 'mem_limits.h');
      await writeFile(header, '#define KILN_MIN_MEM_MB 2\n#define KILN_MAX_MEM_MB 4096 /* why */\n');
      expect(() => memLimits(header)).toThrow(`${header}: no '#define KILN_DEFAULT_MEM_MB <number>' line`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
