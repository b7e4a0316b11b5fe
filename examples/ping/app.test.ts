import { describe, expect, it } from 'vitest';
import { consoleOver } from '../../lib/devices/console.ts';
import { drive } from '../../lib/testing/drive.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { stackPair } from '../../lib/testing/stack-fixtures.ts';
import app from './app.ts';
import { stopRequest } from '../../lib/app.ts';

describe('examples/ping', () => {
  it('answers echo requests from another stack, then exits when its time is up', async () => {
    const { clock, sw, a, b } = await stackPair();
    const lines: string[] = [];
    const running = app.start({
      devices: { net: a },
      args: ['--seconds=5'],
      clock,
      random: new SeededRandom(3),
      console: consoleOver((line) => lines.push(line)),
      stopping: stopRequest().stopping,
    });
    const replies = await drive(clock, sw, Promise.all([1, 2, 3].map(() => b.ping('10.0.0.2', { payloadSize: 1000 }))));
    expect(replies.map((r) => [r.from, r.payloadSize])).toEqual([
      ['10.0.0.2', 1000],
      ['10.0.0.2', 1000],
      ['10.0.0.2', 1000],
    ]);
    expect(await drive(clock, sw, Promise.resolve(running))).toBe(0);
    expect(lines[0]).toBe('[info] ping: answering ICMP echo on 10.0.0.2/24 (static)');
    expect(lines[1]).toMatch(/^\[info\] ping: done; icmp counters \{.*\}$/);
  });

  it('refuses a bad --seconds with an ArgError naming it', async () => {
    const { clock, a } = await stackPair();
    await expect(
      Promise.resolve(app.start({ devices: { net: a }, args: ['--seconds=soon'], clock, random: new SeededRandom(3), console: consoleOver(() => {}), stopping: stopRequest().stopping })),
    ).rejects.toThrow("--seconds: expected an integer from 0 to 31536000, got 'soon'");
  });
});
