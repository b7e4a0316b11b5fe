/**
 * 100,000 random and mutated frames into a stack with listeners: nothing may
 * throw out of the stack, nothing may hang, and what it holds (ARP cache and
 * queue, reassembly, UDP queues) stays within its limits. Fixed seed in CI;
 * KILN_FUZZ_FRAMES and KILN_FUZZ_SEED run longer or other campaigns.
 */
import { describe, expect, it } from 'vitest';
import { createStack } from './stack.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { VirtualSwitch, type PortOptions } from '../testing/switch.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { arpFrame, ethernetFrame, icmpMessage, ipv4Packet, refreshIpv4Checksum, udpDatagram } from '../testing/frames.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import { ARP_REPLY, ARP_REQUEST } from './wire/arp.ts';
import { finishChecksum, pseudoHeaderSum, sumWords } from './wire/checksum.ts';
import { BROADCAST_MAC, ETHERTYPE_IPV4 } from './wire/ethernet.ts';
import { readU32, writeU32 } from './wire/bytes.ts';
import {
  BOOTREPLY,
  DHCPACK,
  DHCPNAK,
  DHCPOFFER,
  DhcpWriter,
  OPTION_LEASE_TIME,
  OPTION_MESSAGE_TYPE,
  OPTION_SERVER_ID,
  OPTION_SUBNET_MASK,
} from './wire/dhcp.ts';
import { PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP } from './wire/ipv4.ts';

const FRAMES = Number(process.env.KILN_FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 20261127);
const A = parseIpv4('10.0.0.2')!;

/** A TCP segment with a correct checksum: header fields from `r`, flags biased towards SYN and ACK; up to `maxPayload` bytes of payload, mostly far fewer. */
function tcpSegment(r: SeededRandom, src: number, dst: number, dstPort: number, maxPayload: number): Uint8Array {
  const optionWords = r.int(11);
  const s = new Uint8Array(20 + optionWords * 4 + (r.chance(0.3) ? r.int(200) : r.chance(0.05) ? r.int(maxPayload) : 0));
  r.fill(s);
  s[2] = dstPort >> 8;
  s[3] = dstPort & 255;
  s[12] = (5 + optionWords) << 4;
  s[13] = [0x02, 0x10, 0x12, 0x18, 0x11, 0x04, 0x14, r.int(256)][r.int(8)]!;
  if (optionWords >= 3 && r.chance(0.5)) {
    // Plausible options: MSS, window scale, SACK permitted, timestamps, then whatever the bytes say.
    s.set([2, 4, 5, 180, 3, 3, 7, 4, 2, 8, 10], 20);
  }
  s[16] = 0;
  s[17] = 0;
  const sum = finishChecksum(sumWords(s, 0, s.length, pseudoHeaderSum(src, dst, PROTOCOL_TCP, s.length)));
  s[16] = sum >> 8;
  s[17] = sum & 255;
  return s;
}

/** Rewrites the IPv4 header checksum so that a mutated header still passes it. */
function fixIpv4Checksum(frame: Uint8Array): void {
  if (frame.length < 34) return;
  const hl = (frame[14]! & 15) * 4;
  if (hl < 20 || 14 + hl > frame.length) return;
  refreshIpv4Checksum(frame, 14);
}

/** Frames of up to `maxFrame` bytes (1514, or more for a device that coalesces TCP segments). */
function template(r: SeededRandom, ours: Uint8Array, peer: Uint8Array, maxFrame: number): Uint8Array {
  const src = r.chance(0.5) ? parseIpv4('10.0.0.9')! : r.nextU32();
  const ip = (protocol: number, payload: Uint8Array, flagsAndOffset = 0) =>
    ethernetFrame(r.chance(0.9) ? ours : BROADCAST_MAC, peer, ETHERTYPE_IPV4, ipv4Packet({ src, dst: A, protocol, id: r.int(65536), flagsAndOffset }, payload));
  switch (r.int(8)) {
    case 0:
      return arpFrame(BROADCAST_MAC, r.chance(0.5) ? ARP_REQUEST : ARP_REPLY, peer, src, ours, r.chance(0.7) ? A : r.nextU32());
    case 1:
      return ip(PROTOCOL_ICMP, icmpMessage(r.chance(0.7) ? 8 : r.int(20), r.int(4), r.int(65536), r.int(65536), new Uint8Array(r.int(1500))));
    case 2:
      return ip(PROTOCOL_UDP, udpDatagram(src, A, r.int(65536), [7, 53, 68, 9999][r.int(4)]!, new Uint8Array(r.int(1400))));
    case 3:
    case 4:
      return ip(PROTOCOL_TCP, tcpSegment(r, src, A, [80, 81, 7][r.int(3)]!, maxFrame - 14 - 20 - 60));
    case 5: {
      // A fragment of something: offsets and MF chosen to collide with others.
      const data = new Uint8Array(8 * (1 + r.int(60)));
      r.fill(data);
      return ip([PROTOCOL_UDP, PROTOCOL_ICMP, PROTOCOL_TCP][r.int(3)]!, data, (r.chance(0.7) ? 0x2000 : 0) | r.int(64));
    }
    case 6: {
      const junk = new Uint8Array(r.int(1500));
      r.fill(junk);
      return ip(r.int(256), junk);
    }
    default: {
      const junk = new Uint8Array(r.int(1515));
      r.fill(junk);
      return junk;
    }
  }
}

/** Flips bits, overwrites header bytes, truncates, extends, or fixes the IPv4 checksum, up to 3 times. */
function mutate(r: SeededRandom, f: Uint8Array, maxFrame: number): Uint8Array {
  let out = f;
  const n = r.int(4);
  for (let k = 0; k < n && out.length > 0; k++) {
    switch (r.int(5)) {
      case 0:
        out[r.int(out.length)] ^= 1 << r.int(8);
        break;
      case 1:
        out[14 + r.int(Math.max(1, Math.min(out.length - 14, 40)))] = r.int(256);
        break;
      case 2:
        out = out.subarray(0, r.int(out.length + 1));
        break;
      case 3: {
        const longer = new Uint8Array(Math.min(maxFrame, out.length + r.int(64)));
        longer.set(out.subarray(0, longer.length));
        out = longer;
        break;
      }
      default:
        fixIpv4Checksum(out);
    }
  }
  return out;
}

const DEVICES: [string, PortOptions, number][] = [
  ['', {}, 1514],
  // Coalesced TCP segments of up to 64 KiB arrive, and large ones leave (cut by the port).
  [' on a device with segmentation offload', { offload: { maxPayload: 65535 } }, 14 + 65535],
];

describe('fuzz', () => {
  for (const [device, port, maxFrame] of DEVICES) {
    it(`survives ${FRAMES} random and mutated frames (seed ${SEED})${device} with bounded memory`, async () => {
      const clock = new VirtualClock();
      const sw = new VirtualSwitch({ delivery: 'manual' });
      // The fuzzer's own port takes any frame the stack's may be given.
      const wire = sw.attach({ mtu: maxFrame - 14 });
      let replies = 0;
      wire.onFrame(() => replies++);
      const stackPort = sw.attach(port);
      const stack = await createStack({ net: stackPort, clock, random: new SeededRandom(SEED), config: { args: ['--ipv4=10.0.0.2/24', '--ipv4-gateway=10.0.0.1'] } });
      const ours = stack.iface.mac;
      await stack.listenTcp(80);
      await stack.listenTcp(7, { backlog: 4 });
      await stack.bindUdp(7);
      await stack.bindUdp(9999);
      const r = new SeededRandom(SEED);
      const peer = new Uint8Array([0x02, 0, 0, 0, 0, 9]);
      let maxReassemblyBytes = 0;
      let maxArpQueued = 0;
      let large = 0;
      for (let i = 0; i < FRAMES; i++) {
        const base = template(r, ours, peer, maxFrame);
        const frame = r.chance(0.6) ? mutate(r, base, maxFrame) : base;
        if (frame.length >= 14 && frame.length <= maxFrame) wire.write(frame);
        if (frame.length > 1514) large++;
        if (i % 64 === 63) {
          // Any exception a receiver threw comes out of pump() and fails the test here.
          sw.pump();
          sw.pump();
          maxReassemblyBytes = Math.max(maxReassemblyBytes, stack.iface.reassembler.pending.bytes);
          maxArpQueued = Math.max(maxArpQueued, stack.iface.arp.queued.bytes);
          if (r.chance(0.05)) clock.advance(r.int(40_000));
        }
      }
      for (let k = 0; k < 100 && sw.queued > 0; k++) sw.pump();
      expect(sw.queued).toBe(0);
      // Let every timer run out: reassembly, ARP retries, TCP retransmissions and TIME_WAIT.
      for (let k = 0; k < 200; k++) {
        clock.advance(10_000);
        sw.pump();
      }
      expect(maxReassemblyBytes).toBeLessThanOrEqual(512 * 1024);
      expect(maxArpQueued).toBeLessThanOrEqual(256 * 1024);
      expect(stack.iface.reassembler.pending.datagrams).toBe(0);
      expect(stack.iface.arp.size).toBeLessThanOrEqual(512);
      expect(stack.iface.arp.queued.addresses).toBe(0);
      const c = stack.counters();
      expect(c.ethernet!['rx']).toBeGreaterThan(FRAMES * 0.95);
      expect(replies).toBeGreaterThan(0);
      // The campaign reached every layer, not just the first checks.
      expect(c.tcp!['rx.segments']).toBeGreaterThan(FRAMES / 20);
      expect(c.udp!['rx.delivered']).toBeGreaterThan(0);
      expect(c.icmp!['rx.echo-request']).toBeGreaterThan(0);
      expect(c.ipv4!['rx.fragments']).toBeGreaterThan(0);
      expect(c.arp!['tx.reply']).toBeGreaterThan(0);
      // Frames over 1514 reached the stack (none refused by the device) where it coalesces.
      if (maxFrame > 1514) expect(large).toBeGreaterThan(FRAMES / 1000);
      expect(stackPort.counters().rxDropped).toBe(0);
      // The stack still works afterwards: a clean echo request gets its reply.
      const before = replies;
      wire.write(arpFrame(ours, ARP_REPLY, peer, parseIpv4('10.0.0.9')!, ours, A));
      wire.write(ethernetFrame(ours, peer, ETHERTYPE_IPV4, ipv4Packet({ src: parseIpv4('10.0.0.9')!, dst: A, protocol: PROTOCOL_ICMP }, icmpMessage(8, 0, 1, 1, new Uint8Array(32)))));
      sw.pump();
      sw.pump();
      expect(replies).toBe(before + 1);
    }, 600_000);
  }

  it('survives 20,000 hostile DHCP replies while it configures itself', async () => {
    const clock = new VirtualClock();
    const sw = new VirtualSwitch({ delivery: 'manual' });
    const wire = sw.attach();
    let xid = 0;
    wire.onFrame((f) => {
      // Learn the client's transaction id from its DISCOVER/REQUEST, so replies reach the option parser.
      if (f.length >= 42 + 240 && f[23] === PROTOCOL_UDP && f[36] === 0 && f[37] === 67) xid = readU32(f, 42 + 4);
    });
    const net = sw.attach();
    const creating = createStack({ net, clock, random: new SeededRandom(SEED), config: { dhcp: { timeoutMs: 3_600_000 } } });
    let settled = false;
    creating.then(
      () => (settled = true),
      () => (settled = true),
    );
    sw.pump();
    const r = new SeededRandom(SEED + 1);
    const server = parseIpv4('10.0.0.1')!;
    const buf = new Uint8Array(600);
    const writer = new DhcpWriter(buf);
    for (let i = 0; i < 20_000; i++) {
      writer.begin(BOOTREPLY, r.chance(0.9) ? xid : r.nextU32(), net.mac, 0, true);
      writeU32(buf, 16, r.chance(0.8) ? parseIpv4('10.0.0.50')! : r.nextU32());
      writer.optionU8(OPTION_MESSAGE_TYPE, [DHCPOFFER, DHCPACK, DHCPNAK, r.int(256)][r.int(4)]!);
      if (r.chance(0.8)) writer.optionU32(OPTION_SERVER_ID, server);
      if (r.chance(0.8)) writer.optionU32(OPTION_LEASE_TIME, r.chance(0.5) ? 3600 : r.nextU32());
      if (r.chance(0.5)) writer.optionU32(OPTION_SUBNET_MASK, r.chance(0.7) ? 0xffffff00 : r.nextU32());
      // Options of random codes and lengths, some running past the end.
      for (let k = r.int(4); k > 0; k--) {
        const junk = new Uint8Array(r.int(40));
        r.fill(junk);
        writer.option(r.int(256), junk);
      }
      let message: Uint8Array = buf.subarray(0, writer.finish());
      if (r.chance(0.5)) message = mutate(r, message.slice(), 1514);
      const frame = ethernetFrame(
        BROADCAST_MAC,
        wire.mac,
        ETHERTYPE_IPV4,
        ipv4Packet({ src: server, dst: 0xffffffff, protocol: PROTOCOL_UDP }, udpDatagram(server, 0xffffffff, 67, 68, message)),
      );
      if (frame.length <= 1514) wire.write(frame);
      sw.pump();
      sw.pump();
      if (r.chance(0.01)) clock.advance(r.int(20_000));
    }
    for (let k = 0; k < 400 && !settled; k++) {
      clock.advance(10_000);
      sw.pump();
      await Promise.resolve();
    }
    const stack = await creating.catch(() => null);
    if (stack) {
      expect(stack.ipv4.source).toBe('dhcp');
      // The replies got through the parser into the state machine, not just its first checks.
      expect(stack.counters().dhcp).toMatchObject({ 'rx.offer': expect.any(Number), 'rx.ack': expect.any(Number) });
      await stack.close();
    }
  }, 600_000);
});
