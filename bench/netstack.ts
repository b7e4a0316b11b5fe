/**
 * Per-packet cost of the TypeScript stack on Node: ICMP echo requests from a
 * raw port, through the in-memory switch, answered by the stack, at the four
 * payload sizes of the seed benchmark (1, 512, 1024, 1472 bytes).
 *
 * Baseline: the same traffic answered by a bare reflector port that only
 * swaps the MAC addresses, so the switch and driver costs fall on both sides
 * and the ratio shows what the stack adds (Ethernet, ARP lookup, IPv4
 * validation, ICMP checksum and reply).
 */
import type { Benchmark, BenchCase, Side } from './benchmark.ts';
import { createStack } from '../lib/net/stack.ts';
import { VirtualClock } from '../lib/testing/virtual-clock.ts';
import { VirtualSwitch, type SwitchPort } from '../lib/testing/switch.ts';
import { SeededRandom } from '../lib/testing/seeded-random.ts';
import { arpFrame, icmpMessage, ipv4Frame } from '../lib/testing/frames.ts';
import { parseIpv4 } from '../lib/ipv4-text.ts';
import { ARP_REPLY } from '../lib/net/wire/arp.ts';
import { ICMP_ECHO_REQUEST } from '../lib/net/wire/icmpv4.ts';
import { PROTOCOL_ICMP } from '../lib/net/wire/ipv4.ts';

const STACK = parseIpv4('10.0.0.2')!;
const PINGER = parseIpv4('10.0.0.9')!;
/** Requests in flight at once, as a flood ping keeps the wire busy. */
const WINDOW = 64;

/** Sends `count` echo requests in windows and returns the replies per second. */
function flood(sw: VirtualSwitch, pinger: SwitchPort, request: Uint8Array, count: number, replies: { n: number }): number {
  const start = performance.now();
  replies.n = 0;
  for (let sent = 0; sent < count; ) {
    const burst = Math.min(WINDOW, count - sent);
    for (let i = 0; i < burst; i++) pinger.write(request);
    sent += burst;
    while (sw.queued > 0) sw.pump();
  }
  const seconds = (performance.now() - start) / 1000;
  if (replies.n !== count) throw new Error(`expected ${count} replies, got ${replies.n}`);
  return count / seconds;
}

async function echoCase(payload: number, count: number): Promise<BenchCase> {
  // Kiln: the stack answers.
  const kilnSwitch = new VirtualSwitch({ delivery: 'manual' });
  const kilnPinger = kilnSwitch.attach();
  const stackNet = kilnSwitch.attach();
  const stack = await createStack({ net: stackNet, clock: new VirtualClock(), random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'] } });
  const kilnReplies = { n: 0 };
  kilnPinger.onFrame((f) => {
    if (f[12] === 8 && f[13] === 0) kilnReplies.n++;
  });
  kilnPinger.write(arpFrame(stackNet.mac, ARP_REPLY, kilnPinger.mac, PINGER, stackNet.mac, STACK));
  while (kilnSwitch.queued > 0) kilnSwitch.pump();
  const body = new Uint8Array(payload);
  const kilnRequest = ipv4Frame(stackNet.mac, kilnPinger.mac, { src: PINGER, dst: STACK, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_ECHO_REQUEST, 0, 1, 1, body));

  // Baseline: a reflector answers by swapping MACs in a buffer of its own.
  const baseSwitch = new VirtualSwitch({ delivery: 'manual' });
  const basePinger = baseSwitch.attach();
  const reflector = baseSwitch.attach();
  const scratch = new Uint8Array(1514);
  reflector.onFrame((f) => {
    scratch.set(f);
    scratch.copyWithin(0, 6, 12);
    scratch.set(reflector.mac, 6);
    reflector.write(scratch.subarray(0, f.length));
  });
  const baseReplies = { n: 0 };
  basePinger.onFrame(() => baseReplies.n++);
  const baseRequest = ipv4Frame(reflector.mac, basePinger.mac, { src: PINGER, dst: STACK, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_ECHO_REQUEST, 0, 1, 1, body));

  const kiln: Side = { name: 'kiln stack', measure: async () => flood(kilnSwitch, kilnPinger, kilnRequest, count, kilnReplies) };
  const baseline: Side = { name: 'MAC-swap reflector', measure: async () => flood(baseSwitch, basePinger, baseRequest, count, baseReplies) };
  return { label: `${payload} B payload`, kiln, baseline, teardown: () => stack.close() };
}

export const netstackBenchmark: Benchmark = {
  name: 'netstack',
  title: 'ICMP echo through the TypeScript stack on Node (in-memory switch)',
  unit: 'packets/s',
  better: 'higher',
  missing: async () => null,
  cases: async (mode) => {
    const count = mode.quick ? 5_000 : 100_000;
    const cases: BenchCase[] = [];
    for (const payload of [1, 512, 1024, 1472]) cases.push(await echoCase(payload, count));
    return cases;
  },
};
