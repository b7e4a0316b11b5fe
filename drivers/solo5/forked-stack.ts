/**
 * A stack device that a forked child gets anew. After a fork the parent's
 * stack lives on in the child's copy of memory, with the parent's MAC and
 * address, its sockets and its peers' state: none of that is the child's.
 * So the app holds a stand-in that forwards to the current stack, and in
 * the child `rebuildInChild` cuts the copy off the device (what it still
 * sends is dropped: those are the parent's packets, and the parent sends
 * them), closes it, and puts the child's own stack in its place:
 * - over the child's tap (kiln-hvt's `--fork-net` pool), with the child's
 *   MAC; the parent's `--ipv4=` would be a duplicate, so the child leaves
 *   it out and takes its address from `--fork-ipv4=A/N` (the child holding
 *   the pool's n-th tap takes A + n - 1, every tap of the tree's pool at
 *   most one child at a time: unique) or, without it, by DHCP;
 * - with no tap for the child: a stack whose every call fails with
 *   `NetError('unavailable')`;
 * - when DHCP finds no server: one whose calls fail with that error.
 * Sockets opened before the fork stay the parent's: in the child they end
 * with the copy.
 */
import { ArgError } from '../../lib/args.ts';
import { NetError, type FrameHandler, type Net } from '../../lib/devices/net.ts';
import { formatIpv4, parseIpv4 } from '../../lib/ipv4-text.ts';
import type { Stack } from '../../lib/devices/stack.ts';
import type { Solo5Net } from './net.ts';

/** Builds a stack over `net` configured from boot arguments `args`. */
export type StackBuilder = (net: Net, args: readonly string[]) => Promise<Stack>;

export interface ForkableStack {
  /** What the app holds: always the current stack. */
  readonly stack: Stack;
  readonly net: Solo5Net;
  /** In a forked child, first: the parent's copy no longer reaches the device. */
  detach(): void;
  /** Then, once the device knows whether it is available: the child's own stack. */
  rebuildInChild(available: boolean): Promise<void>;
}

/** The device as one stack sees it; once detached, that stack no longer sends or receives. */
interface Port extends Net {
  detach(): void;
}

function portOver(net: Net): Port {
  let attached = true;
  return {
    get mac() {
      return net.mac;
    },
    mtu: net.mtu,
    ...(net.offload ? { offload: net.offload } : {}),
    write(frame, segmentSize) {
      if (attached) net.write(frame, segmentSize);
    },
    onFrame(handler: FrameHandler) {
      net.onFrame((frame) => {
        if (attached) handler(frame);
      });
    },
    counters: () => net.counters(),
    close() {
      if (attached) net.close();
    },
    detach() {
      attached = false;
    },
  };
}

/** A stack every call of which fails with `error`. */
function failingStack(error: Error): Stack {
  return {
    get ipv4(): never {
      throw error;
    },
    listenTcp: () => Promise.reject(error),
    connectTcp: () => Promise.reject(error),
    bindUdp: () => Promise.reject(error),
    ping: () => Promise.reject(error),
    counters: () => ({}),
    close: () => Promise.resolve(),
  };
}

/** Forwards every member to `target()`, so the app's reference follows a rebuilt stack. */
function forwarding(target: () => Stack): Stack {
  return new Proxy({} as Stack, {
    get(_, key) {
      const current = target();
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
    has: (_, key) => key in target(),
  });
}

/**
 * The child's boot arguments: without the parent's static address; with
 * `--fork-ipv4=A/N` and the pool's n-th tap (poolTap n), its own static
 * address A + n - 1 (and the parent's gateway), else none: DHCP.
 */
export function childArgs(args: readonly string[], poolTap: number): string[] {
  const own = args.filter((a) => !/^--(fork-)?ipv4(-gateway)?(=|$)/.test(a));
  const last = (option: string): string | undefined => [...args].reverse().find((a) => a.startsWith(`${option}=`));
  const range = last('--fork-ipv4')?.slice('--fork-ipv4='.length);
  if (range === undefined || poolTap === 0) return own;
  const [first, prefix] = range.split('/');
  const base = parseIpv4(first ?? '');
  if (base === null || prefix === undefined) throw new ArgError('invalid', `--fork-ipv4=${range}: expected A/N, for example 10.0.0.100/24`);
  const address = base + poolTap - 1;
  if (address > 0xffffffff) throw new ArgError('invalid', `--fork-ipv4=${range}: the pool's tap ${poolTap} has no address after it`);
  const gateway = last('--ipv4-gateway');
  return [...own, `--ipv4=${formatIpv4(address)}/${prefix}`, ...(gateway ? [gateway] : [])];
}

export async function createForkableStack(name: string, net: Solo5Net, args: readonly string[], build: StackBuilder): Promise<ForkableStack> {
  let port = portOver(net);
  let current = await build(port, args);
  return {
    stack: forwarding(() => current),
    net,
    detach() {
      port.detach();
      const copy = current;
      copy.close().catch(() => {
        // The copy's sockets were the parent's; nothing of it is ours to report.
      });
    },
    async rebuildInChild(available) {
      if (!available) {
        current = failingStack(
          new NetError('unavailable', `stack '${name}': a forked child without a tap of its own (kiln-hvt --fork-net:${name}=TAP1,...)`),
        );
        return;
      }
      port = portOver(net);
      try {
        current = await build(port, childArgs(args, net.poolTap));
      } catch (err) {
        current = failingStack(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}
