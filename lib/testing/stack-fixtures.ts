/**
 * Ready-made networks for tests of the TypeScript stack, on a VirtualClock
 * and a VirtualSwitch: two stacks (10.0.0.2 and 10.0.0.3, /24), or one stack
 * (10.0.0.2) facing a Probe (10.0.0.9) that crafts and reads frames.
 */
import { createStack, type NetStack, type StackConfig } from '../net/stack.ts';
import { ARP_REPLY } from '../net/wire/arp.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import { arpFrame } from './frames.ts';
import { Probe } from './probe.ts';
import { SeededRandom } from './seeded-random.ts';
import { VirtualSwitch, type SwitchOptions, type SwitchPort } from './switch.ts';
import { VirtualClock } from './virtual-clock.ts';

export const STACK_A = parseIpv4('10.0.0.2')!;
export const PROBE = parseIpv4('10.0.0.9')!;

export interface StackPair {
  clock: VirtualClock;
  sw: VirtualSwitch;
  a: NetStack;
  b: NetStack;
}

/** Two stacks on one switch; `configA`/`configB` are merged over `--ipv4=10.0.0.2/24` and `--ipv4=10.0.0.3/24`. */
export async function stackPair(switchOptions: SwitchOptions = {}, configA: StackConfig = {}, configB: StackConfig = {}): Promise<StackPair> {
  const clock = switchOptions.clock instanceof VirtualClock ? switchOptions.clock : new VirtualClock();
  const sw = new VirtualSwitch(switchOptions);
  const a = await createStack({ net: sw.attach(), clock, random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'], ...configA } });
  const b = await createStack({ net: sw.attach(), clock, random: new SeededRandom(2), config: { args: ['--ipv4=10.0.0.3/24'], ...configB } });
  return { clock, sw, a, b };
}

export interface ProbedStack {
  clock: VirtualClock;
  sw: VirtualSwitch;
  probe: Probe;
  net: SwitchPort;
  stack: NetStack;
}

export interface ProbedStackOptions {
  switchOptions?: SwitchOptions;
  config?: StackConfig;
  /** Tell the stack the probe's MAC first, so replies go out at once (default true). */
  teachArp?: boolean;
}

/** One stack at 10.0.0.2/24 and a probe at 10.0.0.9; the frames seen so far are cleared. */
export async function probedStack(options: ProbedStackOptions = {}): Promise<ProbedStack> {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch(options.switchOptions);
  const probe = new Probe(sw);
  const net = sw.attach();
  const stack = await createStack({ net, clock, random: new SeededRandom(5), config: { args: ['--ipv4=10.0.0.2/24'], ...options.config } });
  if (options.teachArp ?? true) probe.send(arpFrame(net.mac, ARP_REPLY, probe.mac, PROBE, net.mac, STACK_A));
  await sw.settle();
  if (options.teachArp ?? true) probe.take();
  return { clock, sw, probe, net, stack };
}
