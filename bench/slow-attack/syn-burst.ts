/**
 * node bench/slow-attack.js --syn-burst [--quick]: SYNs/s handled by the
 * http example on the hosted platform against the Linux kernel's listener,
 * under the same hping3 burst (20,000 SYNs, one source port each, 10 µs
 * apart; 5,000 with --quick), in the benchmark's namespace.
 * Handled means answered: SYN-ACKs counted by tcpdump on the path each
 * server's answers take (the tap for the hosted process, loopback for the
 * kernel's listener on the namespace's own address), over the time from the
 * first SYN to the last answer. Only a SYN's first SYN-ACK counts: a
 * server's retransmissions (a half-open connection whose reset from the
 * namespace was lost in a full tap queue resends its SYN-ACK after 1 s and
 * 3 s) are counted apart and end no round, or one lost reset would stretch
 * a 0.3 s round to 3 s. Alternating rounds; native figures.
 */
import { spawn } from 'node:child_process';
import { inNamespace } from '../suites/native.ts';

export interface BurstResult {
  server: string;
  syns: number;
  answered: number;
  /** SYN-ACKs sent again to a port already answered. */
  retransmitted: number;
  seconds: number;
  /** To the last SYN-ACK of any kind: the round as the count before 2026-12-08 timed it (with every SYN-ACK counted). */
  secondsToLastRetransmission: number;
  answeredPerSecond: number;
}

/** Runs one burst at ADDRESS:PORT with tcpdump counting SYN-ACKs on DEVICE; resolves with what was answered. */
export async function synBurst(ns: string, server: string, device: string, address: string, port: number, syns: number): Promise<BurstResult> {
  const filter = `src host ${address} and src port ${port} and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)`;
  const dump = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', device, '-nn', '-tt', '-l', '-q', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = 0;
  let lastAny = 0;
  let answered = 0;
  let retransmitted = 0;
  const answeredPorts = new Set<string>();
  let pending = '';
  dump.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      // "1796697397.913496 IP 10.97.0.2.80 > 10.97.0.1.2345: tcp 0"
      const [time, , , , to] = line.split(' ');
      const t = Number(time);
      if (!Number.isFinite(t) || !to) continue;
      lastAny = Math.max(lastAny, t);
      if (answeredPorts.has(to)) {
        retransmitted++;
        continue;
      }
      answeredPorts.add(to);
      answered++;
      last = Math.max(last, t);
    }
  });
  await new Promise((r) => setTimeout(r, 1000)); // tcpdump listening
  const first = Date.now() / 1000;
  await inNamespace(ns, ['hping3', '-q', '-S', '-p', String(port), '-i', 'u10', '-c', String(syns), address], 120_000).catch(
    () => undefined, // hping3 ends with status 1 when replies were lost; its own figures are not ours
  );
  await new Promise((r) => setTimeout(r, 3000)); // late answers
  dump.kill('SIGINT');
  await new Promise((r) => dump.once('exit', r));
  const seconds = Math.max(1e-3, last - first);
  return { server, syns, answered, retransmitted, seconds, secondsToLastRetransmission: Math.max(1e-3, lastAny - first), answeredPerSecond: answered / seconds };
}
