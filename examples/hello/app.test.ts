import { describe, expect, it } from 'vitest';
import { consoleOver } from '../../lib/devices/console.ts';
import { VirtualClock } from '../../lib/testing/index.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { boot } from '../../drivers/unix/platform.ts';
import hello from './app.ts';
import { stopRequest } from '../../lib/app.ts';

function capture(): { text: () => string; write: (s: string) => void } {
  let text = '';
  return { text: () => text, write: (s) => (text += s) };
}

describe('examples/hello', () => {
  it('prints its line and both clocks of the devices it is given', async () => {
    const clock = new VirtualClock({ startMs: 1500, wallNs: 1_767_225_600_000_000_000n });
    const lines: string[] = [];
    const code = await hello.start({ devices: {}, args: [], clock, random: unixRandom, console: consoleOver((l) => lines.push(l)), stopping: stopRequest().stopping });
    expect(code).toBe(0);
    expect(lines).toEqual([
      'Hello from Kiln!',
      'monotonic clock: 1500000000 ns since boot',
      // The virtual wall clock is its origin plus the monotonic time.
      'wall clock: 2026-01-01T00:00:01.500Z',
    ]);
  });

  it('runs on the unix platform and exits 0', async () => {
    const out = capture();
    const err = capture();
    const code = await boot(hello, [], { stdout: out, stderr: err, handleSignals: false, env: {} });
    expect(code).toBe(0);
    expect(err.text()).toBe('');
    const lines = out.text().split('\n');
    expect(lines[0]).toBe('Hello from Kiln!');
    expect(lines[1]).toMatch(/^monotonic clock: \d+ ns since boot$/);
    const wall = Date.parse(/^wall clock: (.*)$/.exec(lines[2]!)![1]!);
    expect(Math.abs(wall - Date.now())).toBeLessThan(3_600_000);
  });

  it('refuses an unknown boot argument with one line and status 2', async () => {
    const out = capture();
    const err = capture();
    const code = await boot(hello, ['--loud'], { stdout: out, stderr: err, handleSignals: false, env: {} });
    expect(code).toBe(2);
    expect(out.text()).toBe('');
    expect(err.text()).toBe("hello: --loud: unknown argument; --help lists them all\n");
  });
});
