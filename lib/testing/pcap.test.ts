import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter, readPcap, PcapFormatError, capturing } from './pcap.ts';
import { VirtualSwitch } from './switch.ts';
import { SeededRandom } from './seeded-random.ts';
import { createStack } from '../net/stack.ts';
import { VirtualClock } from './virtual-clock.ts';
import { stackPair } from './stack-fixtures.ts';
import { drive } from './drive.ts';
import { hostHasCommand } from '../../cli/host-command.ts';


const hasTshark = hostHasCommand('tshark');
if (!hasTshark) console.warn('SKIPPED: pcap opened by tshark: needs tshark (apt-get install tshark)');

/** A capture of two stacks pinging and exchanging UDP, through the switch. */
async function capture(): Promise<Uint8Array> {
  const clock = new VirtualClock();
  const pcap = new PcapWriter(clock);
  const { sw, a, b } = await stackPair({ clock, latencyMs: 1, pcap });
  await drive(clock, sw, a.ping('10.0.0.3', { payloadSize: 3000 }));
  const rx = await b.bindUdp(9999);
  await (await a.bindUdp(0)).send(new TextEncoder().encode('hello pcap'), { address: '10.0.0.3', port: 9999 });
  await drive(clock, sw, rx.receive());
  return pcap.bytes();
}

describe('pcap', () => {
  it('writes a capture that reads back frame for frame with increasing timestamps', async () => {
    const records = readPcap(await capture());
    // 2 gratuitous ARPs, ARP request and reply... at least: fragments of the 3000-byte ping both ways and the UDP datagram.
    expect(records.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < records.length; i++) expect(records[i]!.timeNs >= records[i - 1]!.timeNs).toBe(true);
    expect(records.every((r) => r.originalLength === r.frame.length)).toBe(true);
    expect(() => readPcap(new Uint8Array(10))).toThrow(PcapFormatError);
  });

  it('captures what one interface sends and receives', async () => {
    const clock = new VirtualClock();
    const sw = new VirtualSwitch();
    const pcap = new PcapWriter(clock);
    const a = await createStack({ net: capturing(sw.attach(), pcap), clock, random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'] } });
    await createStack({ net: sw.attach(), clock, random: new SeededRandom(2), config: { args: ['--ipv4=10.0.0.3/24'] } });
    await drive(clock, sw, a.ping('10.0.0.3'));
    const types = readPcap(pcap.bytes()).map((r) => (r.frame[12] === 8 && r.frame[13] === 0 ? r.frame[34] : 'arp'));
    // Both announcements, the resolution of 10.0.0.3 on the way, echo request (8) out and reply (0) in.
    expect(types.filter((t) => t === 8)).toHaveLength(1);
    expect(types.filter((t) => t === 0)).toHaveLength(1);
    expect(types.filter((t) => t === 'arp').length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(!hasTshark)('opens in tshark, which decodes the ICMP, fragments and UDP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-pcap-'));
    try {
      const file = join(dir, 'net.pcap');
      writeFileSync(file, await capture());
      const text = execFileSync('tshark', ['-r', file, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(text).toMatch(/ARP/);
      expect(text).toMatch(/Echo \(ping\) request/);
      expect(text).toMatch(/Echo \(ping\) reply/);
      expect(text).toMatch(/UDP.*9999/);
      const bad = execFileSync(
        'tshark',
        ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', '_ws.malformed || _ws.expert.severity >= warning'],
        { encoding: 'utf8' },
      );
      expect(bad.trim()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
