/**
 * The hvt platform: boots an app inside a unikernel image, with the devices
 * its manifest declared, over the runtime's host bindings.
 *
 * - stack NAME: Kiln's TypeScript TCP/IP stack (lib/net) over the NET_BASIC
 *   device NAME, configured from `--ipv4=A/N` and `--ipv4-gateway=G` among
 *   the boot arguments, else by DHCP (whose DNS servers lib/dns's resolver
 *   asks unless `--resolver=IP` is given). Its TCP buffers and accept queue
 *   are sized to the heap (`tcpOptionsForHeap`): smaller when the heap is
 *   under 16 MiB (below about `--mem=20`).
 * - net NAME: the raw NET_BASIC device.
 * - block NAME: the BLOCK_BASIC device NAME.
 * - pipe, fork: kiln-hvt's pipe and fork devices (the build declares them
 *   in the manifest; the tender provides them with no flag). An error
 *   escaping the app in a forked child ends it with status 255, which its
 *   parent sees as crashed.
 * - in a forked child, net devices are the child's own (a tap from
 *   kiln-hvt's `--fork-net` pool, a new MAC) or unavailable, and a stack is
 *   rebuilt for it, by DHCP (forked-stack.ts), before its `fork()` resolves.
 *
 * A bad boot argument, or a device the tender did not attach, prints one line
 * and the unikernel exits with 2; an error escaping the app prints its stack
 * and exits with 1. Once the app's start resolves, its devices are closed, so
 * the runtime's event loop ends and the unikernel exits with the app's status.
 */
import { stopRequest, type App, type DeviceDeclaration } from '../../lib/app.ts';
import { useCrc32 } from '../../lib/crc32.ts';
import { setNativePrimitives } from '../../lib/tls/crypto-slot.ts';
import { nativeCrypto } from './tls-crypto.ts';
import { isOutOfMemory } from '../../lib/errors.ts';
import { createStack, tcpOptionsForHeap } from '../../lib/net/stack.ts';
import { useSumWords } from '../../lib/net/wire/checksum.ts';
import { ConfigurationError, runApp, type PlatformServices } from '../boot.ts';
import { bindingErrorCode, bindings } from './bindings.ts';
import { openSolo5Block } from './block.ts';
import { CRASH_STATUS, createSolo5Fork } from './fork.ts';
import { createSolo5Clock } from './clock.ts';
import { createSolo5Console } from './console.ts';
import { offerStackForFetch } from './fetch-stack.ts';
import { createForkableStack, type ForkableStack } from './forked-stack.ts';
import { openSolo5Net, type Solo5Net } from './net.ts';
import { createSolo5Pipes } from './pipe.ts';
import { createSolo5Random } from './random.ts';

/** Acquiring a device the tender did not attach is a configuration error, not a crash. */
function acquire<T>(what: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (bindingErrorCode(err) === 'ENODEV') {
      throw new ConfigurationError('configuration', `${what}: not attached by the tender (give it with --net:NAME=TAP or --block:NAME=FILE)`);
    }
    throw err;
  }
}

// One of each per unikernel: every declaration of the kind shares it.
const pipes = createSolo5Pipes();
// The devices a forked child makes its own before its fork() resolves.
const nets: Solo5Net[] = [];
const stacks: ForkableStack[] = [];
const fork = createSolo5Fork(async () => {
  for (const s of stacks) s.detach();
  const available = new Map(nets.map((net) => [net, net.adoptChild()]));
  await Promise.all(stacks.map((s) => s.rebuildInChild(available.get(s.net)!)));
});

/** The services and device factories of the hvt platform; each device's close goes to `closers`. */
function services(closers: (() => unknown)[]): Omit<PlatformServices, 'stopping'> {
  const k = bindings();
  const args = [...k.argv];
  const clock = createSolo5Clock();
  const random = createSolo5Random();
  const console = createSolo5Console(undefined, args.includes('--log-time') ? clock : undefined);
  const openNet = (name: string): Solo5Net => {
    const net = acquire(`net device '${name}'`, () => openSolo5Net(name));
    closers.push(() => net.close());
    nets.push(net);
    return net;
  };
  return {
    args,
    clock,
    random,
    console,
    devices: {
      net: openNet,
      stack: async (name) => {
        const net = openNet(name);
        const { heapSize } = k.memory();
        const tcp = tcpOptionsForHeap(heapSize);
        const forkable = await createForkableStack(name, net, args, (port, stackArgs) =>
          createStack({ net: port, clock, random, config: { args: stackArgs, tcp, progress: (line) => console.info(`stack '${name}': ${line}`) } }),
        ).catch((err: unknown) => {
          if (!isOutOfMemory(err)) throw err;
          throw new ConfigurationError('configuration', `stack '${name}': out of memory in a heap of ${heapSize} bytes; give the unikernel more (--mem)`);
        });
        stacks.push(forkable);
        offerStackForFetch({ stack: forkable.stack, args, clock, random });
        closers.unshift(() => forkable.stack.close());
        return forkable.stack;
      },
      block: (name) => {
        const block = acquire(`block device '${name}'`, () => openSolo5Block(name, { warn: (m) => console.warn(m) }));
        closers.push(() => block.close());
        return block;
      },
      pipe: () => pipes,
      fork: () => fork,
    },
  };
}

const SIGNAL_NAMES: Record<number, string> = { 2: 'SIGINT', 15: 'SIGTERM' };

/** Boots `app`; the unikernel exits with its status once nothing is left to do. */
export function boot<D extends DeviceDeclaration>(app: App<D>): void {
  const k = bindings();
  useSumWords(k.sumWords);
  useCrc32(k.crc32);
  const native = nativeCrypto(k);
  if (native) setNativePrimitives(native);
  const closers: (() => unknown)[] = [];
  const finish = async (code: number): Promise<void> => {
    k.exitCode = code;
    for (const close of closers.splice(0)) {
      try {
        await close();
      } catch {
        // Closing is best effort once the app is done; its status stands.
      }
    }
  };
  // kiln-hvt passes SIGTERM/SIGINT on as a stop request (kiln_stop.h): close the
  // stacks, which ends the app's accept and receive loops, as on unix.
  const { stopping, request } = stopRequest();
  k.onStop = (signal) => {
    const reason = SIGNAL_NAMES[signal] ?? `signal ${signal}`;
    k.write(`${app.name}: ${reason}: stopping (closing network devices)\n`);
    request(reason);
    for (const s of stacks) void s.stack.close().catch(() => undefined);
  };
  void runApp(app, {
    setup: () => ({ ...services(closers), stopping }),
    report: (line) => k.write(`${line}\n`),
    crashed: (err) => {
      // As the runtime reports what escapes it: the stack starts with `Name: message`.
      const text = err instanceof Error && typeof err.stack === 'string' ? err.stack : String(err);
      k.write(`${app.name}: Uncaught ${text}\n`);
      return fork.inChild() ? CRASH_STATUS : 1;
    },
  }).then(finish);
}
