/**
 * An HTTPS service: TLS 1.3 (lib/tls) on `--port=N` (default 443) with the
 * certificate and key given as boot arguments, `--cert=` and `--key=`, each
 * the base64 of a PEM file (`--cert=$(base64 -w0 chain.pem)`). Serves
 * `hello` on `/`, echoes a POSTed body on `/echo`, and JSON figures about
 * its TLS listener on `/stats`. Kept apart from examples/http so that a
 * plain HTTP image carries no TLS code and keeps its small memory floor.
 */
import { defineApp, parseArgs, stack } from '../../lib/index.ts';
import { KilnResponse, Router, serveHttp } from '../../lib/http/index.ts';
import { decodeBase64, parseCertificatesPem, parsePrivateKeyPem, platformCrypto, tlsServer, type TlsListener } from '../../lib/tls/index.ts';

const ARGS = {
  port: { type: 'int', min: 0, max: 65535, default: 443, help: 'TCP port to serve HTTPS on (0: any free port)' },
  cert: { type: 'string', help: 'base64 of a PEM certificate chain (leaf first)' },
  key: { type: 'string', help: "base64 of the PEM private key of the chain's leaf (PKCS#8, SEC1 or PKCS#1)" },
} as const;

const pemArg = (value: string): string => String.fromCharCode(...decodeBase64(value));

export default defineApp({
  name: 'https',
  devices: { net: stack() },
  async start({ devices, args, clock, console, random }) {
    const { port, cert, key } = parseArgs(args, ARGS);
    if (cert === undefined || key === undefined) {
      console.error('https: give --cert= and --key= (base64 of PEM files)');
      return 2;
    }
    let tls: TlsListener;
    try {
      tls = tlsServer(await devices.net.listenTcp(port), {
        crypto: platformCrypto(),
        random,
        nowMs: () => Number(clock.wallNs() / 1_000_000n),
        clock,
        certificates: [{ chain: parseCertificatesPem(pemArg(cert)), key: parsePrivateKeyPem(pemArg(key)) }],
        alpnProtocols: ['http/1.1'],
      });
    } catch (err) {
      console.error(`https: cannot serve HTTPS: ${err instanceof Error ? err.message : String(err)}`);
      return 2;
    }
    const router = new Router()
      .get('/', () => new KilnResponse('hello'))
      .post('/echo', (request) => new KilnResponse(request.body ?? new Uint8Array(0), { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } }))
      .get('/stats', () => KilnResponse.json({ tls: tls.counters }, { headers: { 'cache-control': 'no-store' } }));
    const server = serveHttp(tls, router.handler, { clock });
    console.info(`https: TLS 1.3 (${platformCrypto().name}) on ${tls.local.address}:${tls.local.port}`);
    await server.closed;
    return 0;
  },
});
