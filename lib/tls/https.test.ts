import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { hasOpenssl, makePki } from '../../test/support/tls-pki.ts';
import { HttpClient } from '../http/client.ts';
import { KilnResponse } from '../http/response.ts';
import { serveHttp } from '../http/server.ts';
import { FlowPairListener } from '../testing/flow-pair.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { TlsFlow, httpsConnector, parseCertificatesPem, parsePrivateKeyPem, tlsClient, tlsServer } from './index.ts';

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: lib/tls HTTPS tests need the openssl command (Debian openssl)');

describe.skipIf(skip)('HTTPS: lib/http over TLS flows', () => {
  const pki = skip ? null! : makePki();
  const leaf = skip ? null! : pki.issue('web');
  const base = { crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now() };

  function start() {
    const clock = new VirtualClock();
    const tcp = new FlowPairListener({ b: { address: '127.0.0.1', port: 443 } });
    const listener = tlsServer(tcp, {
      ...base,
      clock,
      alpnProtocols: ['http/1.1'],
      certificates: [{ chain: parseCertificatesPem(leaf.chainPem), key: parsePrivateKeyPem(leaf.keyPem) }],
    });
    const server = serveHttp(listener, async (req) => new KilnResponse(`hello ${req.pathname} ${(await req.bytes()).length}`), { clock });
    return { clock, tcp, listener, server };
  }

  it('serves requests that the HTTP client sends to https:// URLs, resuming the second connection', async () => {
    const { tcp, listener, server } = start();
    const client = new HttpClient(null, {
      connector: async () => tcp.connect(),
      secure: httpsConnector({ ...base, trustAnchors: parseCertificatesPem(pki.rootPem) }),
      keepAlive: false,
    });
    const r1 = await client.request('https://localhost/a');
    expect(await r1.text()).toBe('hello /a 0');
    const r2 = await client.request('https://localhost/b', { method: 'POST', body: new Uint8Array(100_000) });
    expect(r2.status).toBe(200);
    expect(await r2.text()).toBe('hello /b 100000');
    expect(listener.counters.handshakes).toBe(2);
    expect(listener.counters.resumed).toBe(1);
    await client.close();
    await server.shutdown();
  });

  it('keeps a connection alive across requests', async () => {
    const { tcp, listener, server } = start();
    const client = new HttpClient(null, {
      connector: async () => tcp.connect(),
      secure: httpsConnector({ ...base, trustAnchors: parseCertificatesPem(pki.rootPem) }),
    });
    for (let i = 0; i < 5; i++) expect(await (await client.request(`https://localhost/${i}`)).text()).toBe(`hello /${i} 0`);
    expect(listener.counters.handshakes).toBe(1);
    await client.close();
    await server.shutdown();
  });

  it('rejects an untrusted server with unknown_ca and the listener counts the failure', async () => {
    const { tcp, listener, server } = start();
    const other = makePki();
    const client = new HttpClient(null, {
      connector: async () => tcp.connect(),
      secure: httpsConnector({ ...base, trustAnchors: parseCertificatesPem(other.rootPem) }),
    });
    await expect(client.request('https://localhost/')).rejects.toMatchObject({ code: 'unknown_ca' });
    await new Promise((r) => setTimeout(r, 10));
    expect(listener.counters.failed).toBe(1);
    expect(listener.lastError?.code).toBe('unknown_ca');
    await server.shutdown();
  });

  it('updates keys both ways on a TLS flow', async () => {
    const { tcp, server } = start();
    const flow = (await tlsClient(tcp.connect(), { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem) })) as TlsFlow;
    await flow.updateKeys(true);
    await flow.write(new TextEncoder().encode('GET /k HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    let text = '';
    for await (const chunk of flow) text += new TextDecoder().decode(chunk);
    expect(text).toMatch(/hello \/k 0$/);
    expect(flow.tls.counters.keyUpdatesIn).toBe(1);
    expect(flow.tls.counters.keyUpdatesOut).toBe(1);
    await flow.close();
    await server.shutdown();
  });
});
