/**
 * The TLS workload measured on each platform: provider primitives one by
 * one, then whole in-memory handshakes (server and client in one process,
 * ECDSA P-256 certificate, X25519) and bulk record protection. Prints one
 * JSON line. Runs on Node and, bundled, under the image's QuickJS (hosted).
 */
import { aeadSeal, type CryptoProvider } from '../../lib/tls/crypto-provider.ts';
import type { Random } from '../../lib/devices/random.ts';
import { TlsServerContext, tlsClientConnection, parseCertificatesPem, parsePrivateKeyPem } from '../../lib/tls/index.ts';
import { pumpEngines } from '../../test/support/tls-pump.ts';

export interface ProbeInput {
  provider: CryptoProvider;
  random: Random;
  rootPem: string;
  chainPem: string;
  keyPem: string;
  /** Scales the repetitions (1 on Node, less under QuickJS). */
  scale: number;
}

/** Mean microseconds per call of `fn` over `n` calls. */
function time(n: number, fn: () => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - start) * 1000) / n;
}

export function probe(input: ProbeInput): Record<string, number> {
  const p = input.provider;
  const n = (k: number) => Math.max(2, Math.round(k * input.scale));
  const key = parsePrivateKeyPem(input.keyPem);
  const chain = parseCertificatesPem(input.chainPem);
  const roots = parseCertificatesPem(input.rootPem);
  const priv = new Uint8Array(32).fill(9);
  const peer = p.keyShare('x25519', new Uint8Array(32).fill(5))!;
  const peer256 = p.keyShare('p256', new Uint8Array(32).fill(5))!;
  const msg = new Uint8Array(100);
  const sig = p.sign('ecdsa-p256-sha256', key, msg);
  const record = new Uint8Array(16384);
  const aes = p.aead('aes-128-gcm', new Uint8Array(16));
  const chacha = p.aead('chacha20-poly1305', new Uint8Array(32));
  const nonce = new Uint8Array(12);
  const out: Record<string, number> = {};
  out['x25519 share+secret us'] = time(n(50), () => {
    p.keyShare('x25519', priv);
    p.sharedSecret('x25519', priv, peer);
  });
  out['p256 share+secret us'] = time(n(20), () => {
    p.keyShare('p256', priv);
    p.sharedSecret('p256', priv, peer256);
  });
  out['ecdsa p256 sign us'] = time(n(20), () => p.sign('ecdsa-p256-sha256', key, msg));
  if (chain[0]!.publicKey.type === 'ec') {
    const pub = chain[0]!.publicKey;
    out['ecdsa p256 verify us'] = time(n(20), () => p.verify('ecdsa-p256-sha256', pub, msg, sig));
  }
  out['hmac-sha256 us'] = time(n(500), () => p.hmac('sha256', priv, msg));
  out['aes-128-gcm MB/s'] = 16384 / time(n(50), () => aeadSeal(aes, nonce, msg.subarray(0, 5), record));
  out['chacha20-poly1305 MB/s'] = 16384 / time(n(50), () => aeadSeal(chacha, nonce, msg.subarray(0, 5), record));

  const base = { crypto: p, random: input.random, nowMs: () => Date.now() };
  const ctx = new TlsServerContext({ ...base, certificates: [{ chain, key }], ticketsPerHandshake: 0 });
  const client = () => tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: roots });
  out['full handshake, both sides us'] = time(n(10), () => {
    const c = client();
    pumpEngines(c, ctx.accept());
    if (!c.handshakeComplete) throw new Error(`handshake failed: ${c.error?.message}`);
  });
  // The server's share of it: ClientHellos made beforehand, the server's first flight and the client Finished.
  const pairs = Array.from({ length: n(10) }, () => {
    const c = client();
    return { c, hello: c.takeOutput()! };
  });
  let serverUs = 0;
  for (const { c, hello } of pairs) {
    const s = ctx.accept();
    let t = performance.now();
    s.receive(hello);
    const flight = s.takeOutput()!;
    serverUs += performance.now() - t;
    c.receive(flight);
    const fin = c.takeOutput()!;
    t = performance.now();
    s.receive(fin);
    serverUs += performance.now() - t;
    if (!s.handshakeComplete) throw new Error('server handshake failed');
  }
  out['server handshake CPU us'] = (serverUs * 1000) / pairs.length;

  const c = client();
  const s = ctx.accept();
  pumpEngines(c, s);
  out['bulk TLS (seal+open, AES-128-GCM) MB/s'] = 16384 / time(n(50), () => {
    c.write(record);
    s.receive(c.takeOutput()!);
    s.takeReceived();
  });
  return out;
}
