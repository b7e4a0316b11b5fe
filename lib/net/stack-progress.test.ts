import { describe, expect, it } from 'vitest';
import { drive } from '../testing/drive.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { VirtualSwitch } from '../testing/switch.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { createStack } from './stack.ts';

describe('createStack progress lines', () => {
  it('says which static address it took', async () => {
    const lines: string[] = [];
    const sw = new VirtualSwitch();
    const stack = await createStack({
      net: sw.attach(),
      clock: new VirtualClock(),
      random: new SeededRandom(1),
      config: { args: ['--ipv4=10.0.0.2/24', '--ipv4-gateway=10.0.0.1'], progress: (l) => lines.push(l) },
    });
    expect(lines).toEqual(['address 10.0.0.2/24, gateway 10.0.0.1 (static, from --ipv4)']);
    await stack.close();
  });

  it('says that it waits for DHCP, on which MAC and how long, before the wait', async () => {
    const lines: string[] = [];
    const clock = new VirtualClock();
    const sw = new VirtualSwitch({ clock });
    const net = sw.attach();
    const creating = createStack({ net, clock, random: new SeededRandom(1), config: { dhcp: { timeoutMs: 5_000 }, progress: (l) => lines.push(l) } });
    await expect(drive(clock, sw, creating)).rejects.toThrow(/no DHCP lease in 5000 ms/);
    expect(lines).toEqual([expect.stringMatching(/^no --ipv4 given: asking DHCP for an address \(MAC ([0-9a-f]{2}:){5}[0-9a-f]{2}, waiting up to 5 s\)$/)]);
  });
});
