import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { hasOpenssl, makePki, type KeyKind } from '../../test/support/tls-pki.ts';
import { TlsServerContext, tlsClientConnection, parseCertificatesPem, parsePrivateKeyPem, type TlsConnection, type TlsSession } from './index.ts';
import type { TlsClientOptions, TlsServerOptions } from './config.ts';
import type { CryptoProvider } from './crypto-provider.ts';
import { pumpEngines } from '../../test/support/tls-pump.ts';

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: lib/tls engine tests need the openssl command (Debian openssl)');

describe.skipIf(skip)('TLS 1.3 engine, client against server in memory', () => {
  const pki = skip ? null! : makePki();
  const leaves = skip
    ? null!
    : Object.fromEntries((['ec', 'rsa', 'ed25519'] as KeyKind[]).map((k) => [k, pki.issue(`leaf-${k}`, { kind: k })]));
  const root = skip ? null! : parseCertificatesPem(pki.rootPem);
  const base = { crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now() };

  function server(kind: KeyKind = 'ec', extra: Partial<TlsServerOptions> = {}): TlsServerContext {
    return new TlsServerContext({
      ...base,
      certificates: [{ chain: parseCertificatesPem(leaves[kind]!.chainPem), key: parsePrivateKeyPem(leaves[kind]!.keyPem) }],
      ...extra,
    });
  }
  function client(extra: Partial<TlsClientOptions> = {}): TlsConnection {
    return tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: root, ...extra });
  }

  for (const kind of ['ec', 'rsa', 'ed25519'] as KeyKind[]) {
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
      for (const group of ['x25519', 'p256'] as const) {
        it(`handshakes and exchanges data: ${kind} key, ${suite}, ${group}`, () => {
          const s = server(kind).accept();
          const c = client({ cipherSuites: [suite], groups: [group] });
          pumpEngines(c, s);
          expect(c.error).toBeNull();
          expect(s.error).toBeNull();
          expect(c.result?.suite.name).toBe(suite);
          expect(s.result?.group).toBe(group);
          c.write(new TextEncoder().encode('ping'));
          pumpEngines(c, s);
          expect(new TextDecoder().decode(s.takeReceived()[0])).toBe('ping');
          s.write(new Uint8Array(40000).fill(7));
          pumpEngines(c, s);
          expect(c.takeReceived().reduce((n, b) => n + b.length, 0)).toBe(40000);
        });
      }
    }
  }

  it('asks for another key share with HelloRetryRequest', () => {
    const s = server('ec', { groups: ['p256'] }).accept();
    const c = client({ keyShareGroups: ['x25519'] });
    pumpEngines(c, s);
    expect(c.error).toBeNull();
    expect(s.result?.group).toBe('p256');
  });

  it('resumes with a session ticket, and negotiates ALPN', () => {
    const ctx = server('ec', { alpnProtocols: ['h2', 'http/1.1'] });
    const sessions: TlsSession[] = [];
    const c1 = client({ alpnProtocols: ['http/1.1'], onSession: (x) => sessions.push(x) });
    const s1 = ctx.accept();
    pumpEngines(c1, s1);
    expect(c1.result?.alpn).toBe('http/1.1');
    expect(sessions.length).toBe(2);
    const c2 = client({ alpnProtocols: ['http/1.1'], session: sessions[0]! });
    const s2 = ctx.accept();
    pumpEngines(c2, s2);
    expect(c2.error).toBeNull();
    expect(c2.result?.resumed).toBe(true);
    expect(s2.result?.resumed).toBe(true);
    c2.write(Uint8Array.of(1, 2, 3));
    pumpEngines(c2, s2);
    expect([...s2.takeReceived()[0]!]).toEqual([1, 2, 3]);
  });

  it('updates keys in both directions', () => {
    const s = server().accept();
    const c = client();
    pumpEngines(c, s);
    c.updateKeys(true);
    c.write(Uint8Array.of(9));
    pumpEngines(c, s);
    s.write(Uint8Array.of(8));
    pumpEngines(c, s);
    expect(s.counters.keyUpdatesIn).toBe(1);
    expect(s.counters.keyUpdatesOut).toBe(1);
    expect([...s.takeReceived()[0]!]).toEqual([9]);
    expect([...c.takeReceived()[0]!]).toEqual([8]);
  });

  it('closes with close_notify', () => {
    const s = server().accept();
    const c = client();
    pumpEngines(c, s);
    c.close();
    pumpEngines(c, s);
    expect(s.peerClosed).toBe(true);
    expect(s.error).toBeNull();
  });

  it('refuses an unknown CA, a wrong name and an expired certificate', () => {
    const other = makePki();
    const c1 = client({ trustAnchors: parseCertificatesPem(other.rootPem) });
    const s1 = server().accept();
    pumpEngines(c1, s1);
    expect(c1.error?.code).toBe('unknown_ca');
    expect(s1.error?.code).toBe('unknown_ca');
    const c2 = client({ serverName: 'example.com' });
    pumpEngines(c2, server().accept());
    expect(c2.error?.code).toBe('bad_certificate');
    expect(c2.error?.message).toMatch(/name mismatch/);
    const c3 = client({ nowMs: () => Date.now() + 60 * 86400_000 });
    pumpEngines(c3, server().accept());
    expect(c3.error?.code).toBe('certificate_expired');
  });

  it('chooses the certificate by server name', () => {
    const other = pki.issue('other', { names: ['other.test'] });
    const ctx = new TlsServerContext({
      ...base,
      certificates: [
        { chain: parseCertificatesPem(leaves.ec!.chainPem), key: parsePrivateKeyPem(leaves.ec!.keyPem) },
        { chain: parseCertificatesPem(other.chainPem), key: parsePrivateKeyPem(other.keyPem) },
      ],
    });
    const c = client({ serverName: 'other.test' });
    const s = ctx.accept();
    pumpEngines(c, s);
    expect(c.error).toBeNull();
    expect(s.result?.serverName).toBe('other.test');
  });

  it('opens records in the received bytes and hands a read of many records out as one chunk', () => {
    // node:crypto decrypts into new memory; this provider puts the plaintext back where the ciphertext was, as the image's does.
    const inPlace: CryptoProvider = {
      ...nodeCryptoProvider,
      aead(algorithm, key) {
        const k = nodeCryptoProvider.aead(algorithm, key);
        return {
          sealInPlace: (nonce, aad, buffer, length) => k.sealInPlace(nonce, aad, buffer, length),
          open: (nonce, aad, sealed) => k.open(nonce, aad, sealed),
          openInPlace(nonce, aad, sealed) {
            const plain = k.open(nonce, aad, sealed);
            if (plain === null) return null;
            sealed.set(plain);
            return sealed.subarray(0, plain.length);
          },
        };
      },
    };
    const s = server('ec', { crypto: inPlace }).accept();
    const c = client({ crypto: inPlace });
    pumpEngines(c, s);
    expect(c.error).toBeNull();
    const sent = Uint8Array.from({ length: 50000 }, (_, i) => (i * 7) & 0xff);
    s.write(sent.subarray(0, 3));
    s.write(sent.subarray(3));
    const wire = s.takeOutput()!;
    c.receive(wire);
    const received = c.takeReceived();
    expect(received).toHaveLength(1);
    expect(received[0]!.buffer).toBe(wire.buffer);
    expect(Buffer.from(received[0]!).equals(Buffer.from(sent))).toBe(true);
  });
});
