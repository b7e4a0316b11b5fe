import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { kernelPackage } from './debian.ts';

const hostArch = spawnSync('dpkg', ['--print-architecture']).stdout?.toString().trim();
const hasApt = spawnSync('apt-cache', ['--version']).status === 0 && hostArch === 'amd64';
if (!hasApt) console.warn('SKIPPED: debian.test.ts needs apt-cache on an amd64 Debian host');

// apt-cache reads every package list on each call (no pkgcache.bin here): seconds, more under load.
const APT_TIMEOUT_MS = 180_000;

describe.skipIf(!hasApt)('kernelPackage', () => {
  it('finds the versioned image behind the meta package', async () => {
    expect(await kernelPackage('amd64', 'amd64')).toMatch(/^linux-image-\d+\.\d+\.\d+-\d+-amd64$/);
  }, APT_TIMEOUT_MS);

  it('says how to teach apt an architecture it does not know', async () => {
    await expect(kernelPackage('riscv64', 'riscv64')).rejects.toThrow(/dpkg --add-architecture riscv64 && apt-get update/);
  }, APT_TIMEOUT_MS);
});
