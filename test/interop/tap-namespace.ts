/**
 * A network namespace made for one test file: a tap device owned by socat,
 * bridged one frame per datagram to UDP on the namespace's loopback, and the
 * TypeScript stack (stack-peer.ts, bundled) as a child process on the other
 * end. Linux's own stack sits on the tap. Everything is removed afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { hostHasCommand } from '../../cli/host-command.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
export const LINUX_ADDRESS = '10.77.0.1';
export const TAP = 'kiln0';
const SOCAT_PORT = 5555;
const STACK_PORT = 5556;

/** What this machine lacks for the interop tests, or null. */
export function missingForInterop(tools: string[]): string | null {
  if (process.getuid?.() !== 0) return 'root (network namespaces and tap devices)';
  const absent = tools.filter((t) => !hostHasCommand(t));
  return absent.length ? absent.join(', ') : null;
}

export class TapNamespace {
  readonly name = `kiln-it-${process.pid}`;
  private readonly children = new Set<ChildProcess>();
  private bundle: string | null = null;

  /** Runs a command inside the namespace and returns its stdout. */
  exec(command: string[], options: { timeoutMs?: number; input?: Uint8Array } = {}): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...command], {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 60_000,
      input: options.input,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  /** Starts a long-running command inside the namespace; it is killed by `close`. */
  spawn(command: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  async open(): Promise<void> {
    execFileSync('ip', ['netns', 'add', this.name]);
    this.exec(['ip', 'link', 'set', 'lo', 'up']);
    // UDP-DATAGRAM rather than UDP: a connected socket would make socat exit on the
    // ICMP port unreachable it gets for frames sent before the stack has bound its port.
    this.spawn([
      'socat',
      `TUN:${LINUX_ADDRESS}/24,tun-type=tap,tun-name=${TAP},iff-up,iff-no-pi`,
      `UDP-DATAGRAM:127.0.0.1:${STACK_PORT},bind=127.0.0.1:${SOCAT_PORT}`,
    ]);
    for (let i = 0; i < 100; i++) {
      try {
        if (this.exec(['ip', '-o', 'addr', 'show', 'dev', TAP]).includes(LINUX_ADDRESS)) return;
      } catch {
        // Not there yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`socat did not bring up ${TAP} in ${this.name}`);
  }

  /** Starts the TypeScript stack with `bootArgs`; resolves with it once it reports ready. */
  async startStack(bootArgs: string[]): Promise<StackPeer> {
    // One bundle per test process: two runs side by side must not write the same file.
    const bundle = join(ROOT, 'build', 'interop', `stack-peer-${process.pid}.mjs`);
    this.bundle = bundle;
    mkdirSync(dirname(bundle), { recursive: true });
    buildSync({
      entryPoints: [join(HERE, 'stack-peer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      logLevel: 'warning',
    });
    const child = this.spawn([process.execPath, bundle, `--local-port=${STACK_PORT}`, `--remote-port=${SOCAT_PORT}`, ...bootArgs]);
    const peer = new StackPeer(child);
    const ready = (await peer.next(40_000)) as { ready?: boolean; ipv4?: { address: string } };
    if (!ready.ready) throw new Error(`stack did not start: ${JSON.stringify(ready)} ${peer.stderr}`);
    peer.address = ready.ipv4!.address;
    return peer;
  }

  close(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    if (this.bundle) rmSync(this.bundle, { force: true });
    try {
      execFileSync('ip', ['netns', 'del', this.name]);
    } catch {
      // Already gone.
    }
  }
}

/** The stack-peer child: one JSON line per command. */
export class StackPeer {
  address = '';
  stderr = '';
  private readonly lines: Interface;
  private readonly queue: string[] = [];
  private waiter: ((line: string) => void) | null = null;

  constructor(private readonly child: ChildProcess) {
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else {
        this.queue.push(line);
      }
    });
  }

  /** Sends a command and resolves with its JSON answer. */
  async command(line: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    this.child.stdin!.write(`${line}\n`);
    return (await this.next(timeoutMs)) as Record<string, unknown>;
  }

  next(timeoutMs: number): Promise<unknown> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`stack-peer gave no answer in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      };
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
