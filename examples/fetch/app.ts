/**
 * Fetches one URL with lib/http's client and prints the status line, the
 * TLS details for `https://` and the body: `--url=https://host/path`, with
 * the roots to trust as `--ca=` (base64 of a PEM file of certificates).
 * Host names are looked up through lib/dns (the stack's DNS servers, or
 * `--resolver=IP`). Exit status 0 for a 2xx answer, 1 for another answer or
 * a failure (named on one line: `unknown_ca`, a name mismatch, a refused
 * connection, ...).
 */
import { defineApp, parseArgs, stack } from '../../lib/index.ts';
import { DnsResolver } from '../../lib/dns/index.ts';
import { HttpClient } from '../../lib/http/index.ts';
import { decodeBase64, httpsConnector, parseCertificatesPem, platformCrypto, type TlsFlow } from '../../lib/tls/index.ts';
import type { Flow } from '../../lib/devices/flow.ts';

const ARGS = {
  url: { type: 'string', help: 'the http:// or https:// URL to fetch' },
  ca: { type: 'string', help: 'base64 of a PEM file of root certificates to trust for https://' },
} as const;

export default defineApp({
  name: 'fetch',
  devices: { net: stack() },
  async start({ devices, args, clock, random, console }) {
    const { url, ca } = parseArgs(args, ARGS);
    if (url === undefined) {
      console.error('fetch: give --url=URL');
      return 2;
    }
    const trustAnchors = ca === undefined ? [] : parseCertificatesPem(String.fromCharCode(...decodeBase64(ca)));
    const connect = httpsConnector({ crypto: platformCrypto(), random, nowMs: () => Number(clock.wallNs() / 1_000_000n), trustAnchors });
    let secured: TlsFlow | null = null;
    const client = new HttpClient(devices.net, {
      resolver: new DnsResolver(devices.net, { args, clock, random }),
      clock,
      timeoutMs: 30_000,
      secure: async (flow: Flow, host: string) => (secured = (await connect(flow, host)) as TlsFlow),
    });
    try {
      const response = await client.request(url);
      console.info(`fetch: ${response.status} ${response.statusText}`);
      if (secured !== null) {
        const s = (secured as TlsFlow).session;
        console.info(`fetch: TLS 1.3 ${s.suite.name}, ${s.group ?? 'psk'}, ALPN ${s.alpn ?? 'none'}`);
      }
      console.write(await response.text());
      return response.ok ? 0 : 1;
    } catch (err) {
      console.error(`fetch: ${url}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    } finally {
      await client.close();
    }
  },
});
