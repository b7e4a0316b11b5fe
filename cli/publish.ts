/**
 * `kiln run --publish HOSTPORT:GUESTPORT`: the image's service reachable at
 * 127.0.0.1:HOSTPORT on this host, with no tap, namespace or address set up
 * by hand.
 *
 * On this host (--target process, or hvt where /dev/kvm is usable) the run
 * gets a network namespace of its own holding one tap; the image sits on it
 * at IMAGE_ADDRESS. Each published port is forwarded
 *
 *   127.0.0.1:HOSTPORT (a Node server in kiln run, host namespace)
 *     -> a Unix socket in a private directory (reachable from any namespace)
 *     -> socat inside the namespace, one fork per connection
 *     -> IMAGE_ADDRESS:GUESTPORT over the tap.
 *
 * Nothing is configured in the host's own network namespace. The emulated
 * machine (hvt without /dev/kvm) forwards differently: see vm-boot.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostHasCommand } from './host-command.ts';
import { UsageError } from './usage-error.ts';

export interface PortMapping {
  host: number;
  guest: number;
}

/** The namespace side of the tap and the image, on a /24 of their own. */
export const NAMESPACE_ADDRESS = '10.213.0.1';
export const IMAGE_ADDRESS = '10.213.0.2';
const TAP = 'kiln0';
/** How long socat keeps a connection whose one direction has ended, for the other to finish. */
const HALF_CLOSED_SECONDS = 60;

/** `HOSTPORT:GUESTPORT`, or `PORT` for the same number on both sides. */
export function parsePublish(texts: readonly string[]): PortMapping[] {
  const seen = new Set<number>();
  return texts.map((text) => {
    const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text);
    const host = Number(m?.[1]);
    const guest = Number(m?.[2] ?? m?.[1]);
    if (!m || host < 1 || host > 65535 || guest < 1 || guest > 65535) {
      throw new UsageError(`kiln run: --publish ${text}: expected HOSTPORT:GUESTPORT (each 1-65535), e.g. --publish 8080:80`);
    }
    if (seen.has(host)) throw new UsageError(`kiln run: --publish: host port ${host} given twice`);
    seen.add(host);
    return { host, guest };
  });
}

/**
 * The boot arguments that put the image at (address) behind (gateway); the
 * app's own arguments may not choose another address, or the forwarding
 * would miss it.
 */
export function publishBootArgs(appArgs: readonly string[], address: string, gateway: string): string[] {
  const own = appArgs.find((a) => a.startsWith('--ipv4=') || a.startsWith('--ipv4-gateway='));
  if (own) throw new UsageError(`kiln run: --publish gives the image its address (--ipv4=${address}/24); leave ${own} out`);
  return [`--ipv4=${address}/24`, `--ipv4-gateway=${gateway}`];
}

/** Starts (server) on 127.0.0.1:(port); a port already taken is one line. */
function listenLoopback(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new UsageError(`kiln run: --publish ${port}: 127.0.0.1:${port} is already in use on this host`)
          : err,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Fails with one line when a host port is taken (QEMU would only say it cannot set up a forwarding rule). */
export async function checkPortsFree(mappings: readonly PortMapping[]): Promise<void> {
  for (const m of mappings) {
    const probe = await listenLoopback(createServer(), m.host);
    await new Promise((r) => probe.close(r));
  }
}

/** Forwards every connection to 127.0.0.1:(port) to a fresh connection made by (open), both ways, half-closes included. */
function forwardLoopback(port: number, open: () => Socket, live: Set<Socket>): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = open();
    live.add(client);
    client.on('close', () => live.delete(client));
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', () => upstream.destroy());
    upstream.on('error', drop).on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return listenLoopback(server, port);
}

/** A network namespace with a tap for the image, and the published ports forwarded into it. */
export class PublishNamespace {
  readonly name = `kiln-run-${process.pid}`;
  readonly tap = TAP;
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Socket>();
  private readonly relays: ChildProcess[] = [];
  private readonly socketDir = mkdtempSync(join(tmpdir(), 'kiln-publish-'));

  private constructor() {}

  /** Makes the namespace, tap and forwarding; fails with one line naming what is missing. */
  static async open(mappings: readonly PortMapping[]): Promise<PublishNamespace> {
    if (process.getuid?.() !== 0) {
      throw new UsageError('kiln run: --publish makes a network namespace and a tap, which needs root (or attach a tap you made with --net; see README "Targets")');
    }
    for (const tool of ['ip', 'socat']) {
      if (!hostHasCommand(tool)) throw new UsageError(`kiln run: --publish needs ${tool} (apt-get install ${tool === 'ip' ? 'iproute2' : tool})`);
    }
    const ns = new PublishNamespace();
    try {
      ns.setUp();
      for (const m of mappings) await ns.forward(m);
    } catch (err) {
      await ns.close();
      throw err;
    }
    return ns;
  }

  /** (argv) run inside the namespace. */
  command(argv: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, ...argv]];
  }

  private inside(...argv: string[]): void {
    execFileSync('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private setUp(): void {
    execFileSync('ip', ['netns', 'add', this.name], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.inside('ip', 'link', 'set', 'lo', 'up');
    this.inside('ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap');
    this.inside('ip', 'addr', 'add', `${NAMESPACE_ADDRESS}/24`, 'dev', TAP);
    this.inside('ip', 'link', 'set', TAP, 'up');
  }

  private async forward(m: PortMapping): Promise<void> {
    const socket = join(this.socketDir, `${m.host}.sock`);
    const [program, args] = this.command([
      'socat', '-t', String(HALF_CLOSED_SECONDS), `UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${IMAGE_ADDRESS}:${m.guest}`,
    ]);
    const relay = spawn(program, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    this.relays.push(relay);
    for (let i = 0; !existsSync(socket); i++) {
      if (relay.exitCode !== null || i > 200) throw new Error(`kiln run: --publish ${m.host}:${m.guest}: socat did not start listening in ${this.name}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    this.servers.push(await forwardLoopback(m.host, () => connect({ path: socket, allowHalfOpen: true }), this.connections));
  }

  /** Stops forwarding and removes the namespace (its tap goes with it). */
  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    for (const relay of this.relays) relay.kill('SIGTERM');
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // Never made.
    }
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
