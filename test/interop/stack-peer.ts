/**
 * The TypeScript stack as a process, for interop tests with Linux: a Net over
 * socat's UDP bridge to a tap, TCP and UDP echo servers on port 7, and commands on
 * stdin, one per line, each answered by one JSON line on stdout:
 *   send HOST PORT BYTES   connect, send BYTES of the test pattern, shut down, wait for the peer's end
 *   recv HOST PORT         connect, read to end of stream: {"received":N,"sha256":HEX}
 *   ping HOST SIZE         one ICMP echo: {"rttMs":...}
 *   counters               the stack's counters
 *   resolve NAME           A records through lib/dns: {"addresses":[...],"dnsServers":[...]}
 * Arguments: --local-port=N --remote-port=N, and the stack's boot arguments
 * (--ipv4=A/N, --ipv4-gateway=G; DHCP without them; --resolver=IP for resolve).
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { SocatNet } from '../support/socat-net.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { createStack } from '../../lib/net/stack.ts';
import { DnsResolver } from '../../lib/dns/resolver.ts';
import type { Flow } from '../../lib/devices/flow.ts';
import { formatMac } from '../../lib/devices/net.ts';
import { testPattern } from './pattern.ts';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const say = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

const net = await SocatNet.open({ localPort: Number(arg('local-port')), remotePort: Number(arg('remote-port')) });
const clock = createUnixClock();
const stackArgs = process.argv.slice(2).filter((a) => a.startsWith('--ipv4') || a.startsWith('--resolver'));
const stack = await createStack({ net, clock, random: unixRandom, config: { args: stackArgs, dhcp: { timeoutMs: 30_000 } } });
const resolver = new DnsResolver(stack, { args: stackArgs, clock, random: unixRandom });

const echo = await stack.listenTcp(7);
void (async () => {
  for await (const flow of echo) {
    void (async () => {
      for await (const chunk of flow) await flow.write(chunk);
      await flow.close();
    })().catch((err) => say({ error: `echo: ${String(err)}` }));
  }
})();

const udpEcho = await stack.bindUdp(7);
void (async () => {
  for await (const d of udpEcho) await udpEcho.send(d.data, d.from);
})().catch((err) => say({ error: `udp echo: ${String(err)}` }));

async function drain(flow: Flow): Promise<{ received: number; sha256: string }> {
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of flow) {
    hash.update(chunk);
    received += chunk.length;
  }
  return { received, sha256: hash.digest('hex') };
}

async function run(line: string): Promise<unknown> {
  const [cmd, host, port, size] = line.trim().split(/\s+/);
  switch (cmd) {
    case 'send': {
      const flow = await stack.connectTcp(host!, Number(port));
      const total = Number(size);
      const pattern = testPattern(total);
      for (let at = 0; at < total; at += 65536) await flow.write(pattern.subarray(at, Math.min(total, at + 65536)));
      await flow.shutdown();
      await drain(flow);
      await flow.close();
      return { sent: total };
    }
    case 'recv': {
      const flow = await stack.connectTcp(host!, Number(port));
      const result = await drain(flow);
      await flow.close();
      return result;
    }
    case 'ping':
      return await stack.ping(host!, { payloadSize: Number(port), timeoutMs: 3000 });
    case 'counters':
      return stack.counters();
    case 'resolve':
      return { addresses: await resolver.resolveA(host!), dnsServers: stack.ipv4.dnsServers };
    default:
      return { error: `unknown command '${cmd}'` };
  }
}

say({ ready: true, mac: formatMac(net.mac), ipv4: stack.ipv4 });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    say(await run(line));
  } catch (err) {
    say({ error: String(err), code: (err as { code?: string }).code });
  }
}
await stack.close();
clock.close();
