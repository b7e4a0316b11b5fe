/**
 * Echo over TLS and over plain TCP from one process: `--port` (7) echoes in
 * the clear, `--tls-port` (443) echoes inside TLS 1.3 with the certificate
 * and key given as `--cert=`/`--key=` (base64 of PEM files). The bulk
 * tests and benchmarks send a stream through each and compare, so both
 * paths share the stack, the runtime and the loop below; only TLS differs.
 * After each connection it logs the bytes echoed and, in an image, the
 * heap's size and high-water mark (what a transfer took at a given --mem).
 */
import { defineApp, parseArgs, stack, type Console, type Flow, type TcpListener } from '../../lib/index.ts';
import { memoryFigures } from '../../examples/http/memory.ts';
import { decodeBase64, parseCertificatesPem, parsePrivateKeyPem, platformCrypto, tlsServer } from '../../lib/tls/index.ts';

const ARGS = {
  port: { type: 'int', min: 0, max: 65535, default: 7, help: 'TCP port to echo on in the clear' },
  'tls-port': { type: 'int', min: 0, max: 65535, default: 443, help: 'TCP port to echo on inside TLS' },
  cert: { type: 'string', help: 'base64 of a PEM certificate chain (leaf first)' },
  key: { type: 'string', help: "base64 of the PEM private key of the chain's leaf" },
} as const;

const pemArg = (value: string): string => String.fromCharCode(...decodeBase64(value));

async function echo(flow: Flow, what: string, console: Console): Promise<void> {
  let bytes = 0;
  try {
    for await (const chunk of flow) {
      bytes += chunk.length;
      await flow.write(chunk);
    }
    await flow.close();
  } catch (err) {
    flow.abort();
    console.warn(`tls-echo: ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const m = memoryFigures();
  const heap = m && 'peak' in m ? `, heap ${m.heapSize! >> 20} MiB, peak in use ${(m.peak! / 1048576).toFixed(1)} MiB` : '';
  console.info(`tls-echo: ${what}: echoed ${bytes} bytes${heap}`);
}

async function serve(listener: TcpListener, what: string, console: Console): Promise<void> {
  for await (const flow of listener) void echo(flow, what, console);
}

export default defineApp({
  name: 'tls-echo',
  devices: { net: stack() },
  async start({ devices, args, clock, console, random }) {
    const { port, 'tls-port': tlsPort, cert, key } = parseArgs(args, ARGS);
    if (cert === undefined || key === undefined) {
      console.error('tls-echo: give --cert= and --key= (base64 of PEM files)');
      return 2;
    }
    const plain = await devices.net.listenTcp(port);
    const tls = tlsServer(await devices.net.listenTcp(tlsPort), {
      crypto: platformCrypto(),
      random,
      nowMs: () => Number(clock.wallNs() / 1_000_000n),
      clock,
      certificates: [{ chain: parseCertificatesPem(pemArg(cert)), key: parsePrivateKeyPem(pemArg(key)) }],
    });
    console.info(`tls-echo: plain on ${port}, TLS 1.3 (${platformCrypto().name}) on ${tlsPort}`);
    await Promise.all([serve(plain, 'TCP', console), serve(tls, 'TLS', console)]);
    return 0;
  },
});
