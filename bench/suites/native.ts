/**
 * Native benchmarks: servers run as processes on this host (no emulated
 * machine), inside a network namespace the benchmark makes and deletes, so
 * the figures are the software path's own cost. Kiln's side is the app on
 * the runtime's hosted platform (runtime/hosted: the image's contents as a
 * Linux process on a tap); its baseline runs in the same namespace.
 *
 * What each server cost is read from /proc: CPU (time on a CPU of all its
 * threads, user and system) and resident memory.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Side } from '../benchmark.ts';
import { netnsDown, netnsUp, type Tap } from './netns.ts';

const run = promisify(execFile);

/** What a native benchmark lacks here, or null: root, tap devices, musl to link hosted images, and the named programs. */
export function nativeMissing(programs: string[]): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'needs Linux on x86_64 (the hosted platform)';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and tap devices)';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  if (!existsSync('/usr/lib/x86_64-linux-musl/libc.a')) return 'needs musl-dev to link hosted images (npm run setup)';
  const absent = programs.filter((p) => !existsSync(p));
  return absent.length ? `needs ${absent.join(', ')} (npm run setup)` : null;
}

/**
 * CPU seconds a process has used so far, user and system, all its threads:
 * each thread's time on a CPU from /proc/PID/task/TID/schedstat, in
 * nanoseconds (/proc/PID/stat counts 10 ms ticks, too coarse for a short
 * run of a C server).
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** A process's resident memory now, in MiB. */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

/** Servers started by this process and not yet stopped: stopped on exit whatever happens. */
const liveServers = new Set<ChildProcess>();

/** A server started in the namespace: its process, and its output kept for error reports. */
export class NativeServer {
  readonly process: ChildProcess;
  private output = '';
  private exited: string | null = null;

  constructor(
    readonly name: string,
    ns: string,
    command: string[],
  ) {
    // `ip netns exec` replaces itself with the command: the child's pid is the server's.
    this.process = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-4000);
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    liveServers.add(this.process);
    this.process.on('exit', (code, signal) => {
      this.exited = `exited (${signal ?? code})`;
      liveServers.delete(this.process);
    });
  }

  get pid(): number {
    if (this.process.pid === undefined || this.exited) throw new Error(`${this.name} ${this.exited ?? 'did not start'}: ${this.output}`);
    return this.process.pid;
  }

  /** Waits (bounded: 240 tries a quarter second apart) until PROBE, run in the namespace, succeeds. */
  async ready(ns: string, probe: string[]): Promise<void> {
    for (let tries = 0; tries < 240; tries++) {
      if (this.exited) break;
      try {
        await run('ip', ['netns', 'exec', ns, ...probe], { timeout: 10_000 });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw new Error(`${this.name} never answered (${this.exited ?? 'still running'}): ${this.output}`);
  }

  /** Stops the server (SIGTERM, the default: callgrind writes its counts then) and waits until it has gone. */
  async stop(): Promise<string> {
    if (!this.exited) {
      const gone = new Promise((r) => this.process.once('exit', r));
      this.process.kill('SIGTERM');
      await gone;
    }
    return this.output;
  }
}

/** An HTTP server the native benchmarks measure: its name, where it answers, and its command given the hosted image's path. */
export interface HttpServerPlan {
  name: string;
  address: string;
  port: number;
  command: (image: string) => string[];
}

export const httpUrl = (plan: HttpServerPlan): string => `http://${plan.address}:${plan.port}/`;

/**
 * The two servers the native HTTP benchmarks compare, each in a namespace
 * with one tap: the http example on the hosted platform on TAP at
 * KILN_ADDRESS:80 (a /24; IMAGE_OPTIONS go to the image before its own
 * arguments), and Node.js's http hello at NODE_ADDRESS:8080, the
 * namespace's side of the tap.
 */
export function httpServers(tap: string, kilnAddress: string, nodeAddress: string, imageOptions: string[] = []): { kiln: HttpServerPlan; node: HttpServerPlan } {
  return {
    kiln: {
      name: 'http example, hosted',
      address: kilnAddress,
      port: 80,
      command: (image) => [image, '--mem=64', `--net:service=${tap}`, ...imageOptions, '--', `--ipv4=${kilnAddress}/24`, '--port=80'],
    },
    node: {
      name: 'Node.js http hello',
      address: nodeAddress,
      port: 8080,
      command: () => [process.execPath, '-e', `require("http").createServer((req, res) => res.end("hello")).listen(8080, "${nodeAddress}")`],
    },
  };
}

/** Namespaces made by this process and not yet deleted: deleted on exit whatever happens. */
const liveNamespaces = new Set<string>();
process.once('exit', () => {
  for (const server of liveServers) server.kill('SIGKILL');
  for (const ns of liveNamespaces) {
    try {
      execFileSync('sh', ['-c', netnsDown(ns)], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
});

/** Makes namespace NS with TAPS (deleting a leftover of an earlier run first). */
export async function namespaceUp(ns: string, taps: Tap[]): Promise<void> {
  await run('sh', ['-c', `${netnsDown(ns)} 2>/dev/null; ${netnsUp(ns, taps)}`]);
  liveNamespaces.add(ns);
}

export async function namespaceDown(ns: string): Promise<void> {
  liveNamespaces.delete(ns);
  await run('sh', ['-c', netnsDown(ns)]);
}

/** Runs COMMAND in the namespace and returns its standard output; throws with its output when it fails. */
export async function inNamespace(ns: string, command: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run('ip', ['netns', 'exec', ns, ...command], { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command.join(' ')} failed: ${e.message} ${e.stdout ?? ''} ${e.stderr ?? ''}`);
  }
}

/**
 * Something set up once for several cases (namespace and servers), torn
 * down after the last case that holds it lets go.
 */
export class Shared<T> {
  private value: Promise<T> | null = null;
  private holders = 0;

  constructor(
    private readonly make: () => Promise<T>,
    private readonly destroy: (value: T) => Promise<void>,
  ) {}

  /** One holder more; the value is made on the first. */
  hold(): Promise<T> {
    this.holders++;
    if (!this.value) {
      this.value = this.make();
      // Its failure is reported where a case awaits it, not as an unhandled rejection meanwhile.
      this.value.catch(() => undefined);
    }
    return this.value;
  }

  async release(): Promise<void> {
    if (--this.holders > 0 || !this.value) return;
    const value = this.value;
    this.value = null;
    const made = await value.catch(() => null);
    if (made !== null) await this.destroy(made);
  }
}

/**
 * A side of benchmarks that read the same runs of a shared session: its
 * n-th sample is `figure` of the n-th run in `runs(s)`, made (`record`) by
 * whichever benchmark asks for it first.
 */
export function sharedRunSide<S, R>(name: string, session: Promise<S>, runs: (s: S) => R[], record: (s: S) => Promise<R>, figure: (run: R) => number): Side {
  let next = 0;
  return {
    name,
    async measure() {
      const s = await session;
      const made = runs(s);
      if (next === made.length) made.push(await record(s));
      return figure(made[next++]!);
    },
  };
}
