/**
 * The unix platform: boots an app on Node.js with the host's devices.
 *
 * Device configuration on unix (the app's boot arguments stay the app's):
 * - stack: the host's sockets (stack.ts). `--ipv4=A/N` among the boot
 *   arguments picks the host address to bind by default; it must be the
 *   host's (any 127.x.y.z is). `--ipv4-gateway` is checked but the host's
 *   routes apply. The Stack's `ipv4.dnsServers` are the host's
 *   (/etc/resolv.conf), which lib/dns's resolver asks unless `--resolver=IP`
 *   names a server (it wins, as on hvt over a DHCP lease).
 * - block NAME: a regular file named by the environment variable
 *   `KILN_BLOCK_<NAME>` (NAME upper-cased, e.g. `KILN_BLOCK_STORAGE=disk.img`)
 *   or by `options.blockFiles[NAME]`; `KILN_BLOCK_<NAME>_SECTOR_SIZE=N`
 *   (default 512), `KILN_BLOCK_<NAME>_READ_ONLY=1` and
 *   `KILN_BLOCK_<NAME>_FLUSH=thread-pool` (default `calling-thread`: see
 *   block.ts) refine it.
 * - net: raw Ethernet is not available to a Node process (no tap access), so
 *   an app declaring `net()` is refused with a line saying so.
 * - pipe, fork: pipe.ts and fork.ts (fork re-executes the program).
 * - console: stdout, minimum level from `KILN_LOG_LEVEL` (default info).
 *
 * A bad boot argument or device configuration prints one line naming it and
 * the expected form, and boot resolves with 2; an error escaping the app
 * prints its stack and boot resolves with 1. SIGINT or SIGTERM (or
 * `options.stop`) closes the stacks, which ends the app's accept and receive
 * loops; a second signal kills the process as usual. Once the app is done,
 * every device is closed and pending timers are cancelled, so the process
 * exits.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { PLATFORM_ARGS, parseArgs } from '../../lib/args.ts';
import { stopRequest, type App, type DeviceDeclaration } from '../../lib/app.ts';
import type { LogLevel } from '../../lib/devices/console.ts';
import { useCrc32 } from '../../lib/crc32.ts';
import type { Stack } from '../../lib/devices/stack.ts';
import { ConfigurationError, runApp, type DeviceFactories } from '../boot.ts';
import { openFileBlock, type FileBlockOptions } from './block.ts';
import { createUnixClock } from './clock.ts';
import { createUnixConsole, type UnixConsole } from './console.ts';
import { createUnixFork, type UnixFork } from './fork.ts';
import { createUnixPipes } from './pipe.ts';
import { unixRandom } from './random.ts';
import { nodeCryptoProvider } from './tls-crypto.ts';
import { setPlatformCrypto } from '../../lib/tls/crypto-slot.ts';
import { createUnixStack } from './stack.ts';

export interface BlockFileSpec extends FileBlockOptions {
  path: string;
}

export interface UnixBootOptions {
  /** Backing files of block devices by device name; each overrides `KILN_BLOCK_<NAME>`. */
  blockFiles?: Record<string, string | BlockFileSpec>;
  /** Where `KILN_*` settings are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** The app's console (default stdout). */
  stdout?: { write(text: string): unknown };
  /** Where boot reports bad configuration and crashes (default stderr). */
  stderr?: { write(text: string): unknown };
  /** Aborting it stops the app as SIGINT would. */
  stop?: AbortSignal;
  /** Stop on SIGINT and SIGTERM (default true). */
  handleSignals?: boolean;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function envName(deviceName: string, suffix = ''): string {
  return `KILN_BLOCK_${deviceName.toUpperCase()}${suffix}`;
}

function blockSpec(name: string, options: UnixBootOptions, env: Record<string, string | undefined>): BlockFileSpec {
  const given = options.blockFiles?.[name];
  if (given !== undefined) return typeof given === 'string' ? { path: given } : given;
  const path = env[envName(name)];
  if (!path) {
    throw new ConfigurationError(
      'configuration',
      `block device '${name}': no backing file; set ${envName(name)}=PATH to a regular file whose size is a whole number of sectors`,
    );
  }
  const spec: BlockFileSpec = { path };
  const sectorSize = env[envName(name, '_SECTOR_SIZE')];
  if (sectorSize !== undefined) {
    if (!/^\d+$/.test(sectorSize)) {
      throw new ConfigurationError(
        'configuration',
        `${envName(name, '_SECTOR_SIZE')}: expected a power of two from 512 to 65536, got '${sectorSize}'`,
      );
    }
    spec.sectorSize = Number(sectorSize);
  }
  const readOnly = env[envName(name, '_READ_ONLY')];
  if (readOnly !== undefined) {
    if (readOnly !== '0' && readOnly !== '1') {
      throw new ConfigurationError('configuration', `${envName(name, '_READ_ONLY')}: expected 0 or 1, got '${readOnly}'`);
    }
    spec.readOnly = readOnly === '1';
  }
  const flush = env[envName(name, '_FLUSH')];
  if (flush !== undefined) {
    if (flush !== 'thread-pool' && flush !== 'calling-thread') {
      throw new ConfigurationError('configuration', `${envName(name, '_FLUSH')}: expected thread-pool or calling-thread, got '${flush}'`);
    }
    spec.flushOnThreadPool = flush === 'thread-pool';
  }
  return spec;
}

function logLevel(env: Record<string, string | undefined>): LogLevel {
  const level = env.KILN_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigurationError('configuration', `KILN_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  }
  return level as LogLevel;
}

/** Only the platform's own boot arguments, checked; the app parses the rest itself. */
function platformArgs(argv: readonly string[]): { ipv4?: string } {
  const own = argv.filter((arg) => {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    return name !== undefined && name in PLATFORM_ARGS;
  });
  const parsed = parseArgs(own, PLATFORM_ARGS) as Record<string, unknown>;
  const cidr = parsed.ipv4;
  return typeof cidr === 'string' ? { ipv4: cidr.split('/')[0]! } : {};
}

interface DeviceSetup {
  options: UnixBootOptions;
  env: Record<string, string | undefined>;
  ipv4: string | undefined;
  console: UnixConsole;
  /** Where each device's close goes, to run when the app is done. */
  closers: (() => Promise<void> | void)[];
  /** Stacks made, to close when the app is asked to stop. */
  stacks: Stack[];
  /** Set when the app declares fork. */
  forked: (fork: UnixFork) => void;
}

/** A device the host refused at start-up is a configuration error, not a crash. */
async function configured<T>(what: string, make: () => Promise<T> | T): Promise<T> {
  try {
    return await make();
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError('configuration', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The unix platform's device factories. */
function unixDevices({ options, env, ipv4, console, closers, stacks, forked }: DeviceSetup): DeviceFactories {
  return {
    stack: async (name) => {
      const stack = await configured(`stack '${name}'`, () => createUnixStack(ipv4 ? { address: ipv4 } : {}));
      closers.push(() => stack.close());
      stacks.push(stack);
      return stack;
    },
    block: async (name) => {
      const { path, ...blockOptions } = blockSpec(name, options, env);
      const block = await configured(`block device '${name}'`, () => openFileBlock(path, blockOptions));
      closers.push(() => block.close());
      return block;
    },
    net: (name) => {
      throw new ConfigurationError(
        'configuration',
        `net device '${name}': raw Ethernet is not available on unix (a Node process has no tap device); ` +
          "declare stack() to use the host's sockets, or run the app on hvt",
      );
    },
    pipe: () => createUnixPipes(),
    fork: () => {
      const fork = createUnixFork({ setReplaying: (on) => console.setMuted(on) });
      forked(fork);
      return fork;
    },
  };
}

/** Boots `app` with `argv` as its boot arguments; resolves with its exit status. */
export async function boot<D extends DeviceDeclaration>(
  app: App<D>,
  argv: readonly string[],
  options: UnixBootOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const stderr = options.stderr ?? process.stderr;
  // zlib's CRC-32 is the same function as lib/crc32's JavaScript, four to five times faster.
  useCrc32(zlibCrc32);
  // TLS on Node: OpenSSL's primitives, far faster than the pure-JS provider images use.
  setPlatformCrypto(nodeCryptoProvider);
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(closers.splice(0).map(async (close) => close()));
  };
  let fork: UnixFork | null = null;
  // Closing the stacks is how an app is asked to stop: its accept and receive loops end.
  // The clock and block devices stay, so the app can finish its work in order.
  const stacks: Stack[] = [];
  const { stopping, request } = stopRequest();
  const stopFor = (reason: string): void => {
    request(reason);
    void Promise.allSettled(stacks.map((stack) => stack.close()));
  };
  const stop = (): void => stopFor('stop');
  const onSignal = (signal: NodeJS.Signals): void => {
    stderr.write(`${app.name}: ${signal}: stopping (closing network devices; signal again to kill)\n`);
    stopFor(signal);
  };
  const handleSignals = options.handleSignals ?? true;
  try {
    return await runApp(app, {
      setup: () => {
        const clock = createUnixClock();
        closers.push(() => clock.close());
        const console = createUnixConsole({
          ...(options.stdout ? { out: options.stdout } : {}),
          minLevel: logLevel(env),
          ...(argv.includes('--log-time') ? { stampClock: clock } : {}),
        });
        const { ipv4 } = platformArgs(argv);
        const forked = (made: UnixFork): void => {
          fork = made;
        };
        const devices = unixDevices({ options, env, ipv4, console, closers, stacks, forked });
        return { args: [...argv], clock, random: unixRandom, console, stopping, devices };
      },
      starting: () => {
        if (handleSignals) {
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        }
        options.stop?.addEventListener('abort', stop, { once: true });
        if (options.stop?.aborted) stop();
      },
      report: (line) => stderr.write(`${line}\n`),
      crashed: (err) => {
        fork?.crashed();
        stderr.write(`${app.name}: ${err instanceof Error ? (err.stack ?? err.message) : `uncaught ${String(err)}`}\n`);
        return 1;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.stop?.removeEventListener('abort', stop);
    await closeAll();
  }
}
