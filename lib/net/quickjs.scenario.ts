/**
 * Bundled and run under QuickJS by quickjs.test.ts: two stacks on a lossy
 * switch exchange ICMP (fragmented), UDP and TCP. Sets `globalThis.result`
 * to a JSON summary, or to `error: ...`.
 */
import { stackPair } from '../testing/stack-fixtures.ts';
import { drive } from '../testing/drive.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';

const state = globalThis as unknown as { result: string };
state.result = 'pending';

async function scenario(): Promise<string> {
  const { clock, sw, a, b } = await stackPair({ clock: new VirtualClock(), latencyMs: 1, loss: 0.02, seed: 3 });
  const ping = await drive(clock, sw, a.ping('10.0.0.3', { payloadSize: 3000, timeoutMs: 5000 }));
  const rx = await b.bindUdp(7);
  await (await a.bindUdp(0)).send(new Uint8Array([1, 2, 3]), { address: '10.0.0.3', port: 7 });
  const datagram = await drive(clock, sw, rx.receive());
  const listener = await b.listenTcp(80);
  const server = (async () => {
    const flow = await listener.accept();
    let sum = 0;
    let length = 0;
    for await (const chunk of flow) {
      for (const byte of chunk) sum = (sum + byte) % 65521;
      length += chunk.length;
    }
    return { length, sum };
  })();
  const flow = await drive(clock, sw, a.connectTcp('10.0.0.3', 80));
  const data = new Uint8Array(200_000).map((_, i) => (i * 7) & 255);
  await drive(clock, sw, flow.write(data).then(() => flow.shutdown()));
  const received = await drive(clock, sw, server);
  return JSON.stringify({ pingBytes: ping.payloadSize, udp: Array.from(datagram.data), tcp: received });
}

scenario().then(
  (summary) => (state.result = summary),
  (err: unknown) => (state.result = `error: ${String(err)}`),
);
