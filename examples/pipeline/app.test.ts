/** Runs the pipeline example on unix, as `kiln run examples/pipeline --target unix` does. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/contract/fixtures/run-program.ts';
import { pattern, patternLength, stream } from './app.ts';
import { expectedCrc } from './expected-crc.ts';

function kilnRun(...appArgs: string[]): { status: number | null; stdout: string; stderr: string } {
  const kiln = join(repoRoot, 'cli', 'kiln.js');
  const r = spawnSync(process.execPath, [kiln, 'run', join(repoRoot, 'examples', 'pipeline'), '--target', 'unix', '--', ...appArgs], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

describe('the stream examples/pipeline sends', () => {
  it('is the announced length in writes of the chunk size, each write a different window of the pattern', () => {
    const chunk = 1000;
    const pieces = [...stream(pattern(patternLength(chunk)), 300_500, chunk)];
    expect(pieces.map((p) => p.length)).toEqual([...Array(300).fill(chunk), 500]);
    const starts = new Set(pieces.map((p) => p.byteOffset));
    expect(starts.size).toBe(pieces.length);
    for (let i = 1; i < pieces.length; i++) expect(Buffer.compare(pieces[i - 1]!, pieces[i]!)).not.toBe(0);
  });
});

describe('examples/pipeline on unix', () => {
  it('streams 64 MiB by default; the child verifies count and CRC-32; EOF and EPIPE show; exit 0', () => {
    const r = kilnRun();
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    const crc = expectedCrc(67108864);
    expect(out).toContain(`[info] pipeline: 67108864 bytes, CRC-32 ${crc}, verified by the child`);
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`exited with status 0; it received 67108864 bytes, CRC-32 ${crc}$`)));
    expect(out).toContainEqual(expect.stringMatching(/^\[info\] child: end of file after 67108864 bytes/));
    expect(out).toContain('[info] parent: report pipe at end of file (the child closed its write end)');
    expect(out).toContain('[info] parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    // The child's replay is muted: nothing of the parent's is printed twice.
    expect(new Set(out).size).toBe(out.length);
  });

  it('streams a size that is not a multiple of the write size', () => {
    const r = kilnRun('--bytes=100003', '--chunk=4099');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pipeline: 100003 bytes, CRC-32 ${expectedCrc(100003, 4099)}, verified by the child`);
  });

  it('streams nothing: end of file at once, CRC-32 of the empty stream', () => {
    const r = kilnRun('--bytes=0');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('pipeline: 0 bytes, CRC-32 0x00000000, verified by the child');
  });

  it('a bad boot argument gets one line and exit status 2', () => {
    const r = kilnRun('--bytes=lots');
    expect(r.status).toBe(2);
    expect(lines(r.stderr)).toEqual(["pipeline: --bytes: expected an integer from 0 to 1099511627776, got 'lots'"]);
  });
});
