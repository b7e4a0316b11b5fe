import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { hasOpenssl, makePki } from '../../test/support/tls-pki.ts';
import { FlowPairListener } from '../testing/flow-pair.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { Writer } from './bytes.ts';
import { HS, handshakeMessage } from './messages.ts';
import { plainRecord } from './record.ts';
import { ALERTS, TlsServerContext, parseCertificatesPem, type AlertName, parsePrivateKeyPem, tlsClientConnection, tlsServer, type TlsConnection, type TlsSession } from './index.ts';
import { pumpEngines } from '../../test/support/tls-pump.ts';

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: lib/tls hostile-input tests need the openssl command (Debian openssl)');

/** A ClientHello body with the given extensions (type, data), offering TLS 1.3 unless told otherwise. */
function clientHello(extensions: [number, Uint8Array][], compression = [0]): Uint8Array {
  const w = new Writer()
    .u16(0x0303)
    .bytes(new Uint8Array(32))
    .vector(1, () => undefined)
    .vector(2, (s) => s.u16(0x1301))
    .vector(1, (c) => compression.forEach((m) => c.u8(m)))
    .vector(2, (e) => {
      for (const [t, d] of extensions) e.u16(t).vector(2, (x) => x.bytes(d));
    });
  return handshakeMessage(HS.client_hello, w.finish());
}

const versions = (): [number, Uint8Array] => [43, new Writer().vector(1, (w) => w.u16(0x0304)).finish()];
const groups = (): [number, Uint8Array] => [10, new Writer().vector(2, (w) => w.u16(0x001d)).finish()];
const sigs = (): [number, Uint8Array] => [13, new Writer().vector(2, (w) => w.u16(0x0403)).finish()];
const share = (): [number, Uint8Array] => [51, new Writer().vector(2, (w) => w.u16(0x001d).vector(2, (k) => k.bytes(new Uint8Array(32).fill(9)))).finish()];

describe.skipIf(skip)('TLS engine: malformed input gets the right alert', () => {
  const pki = skip ? null! : makePki();
  const leaf = skip ? null! : pki.issue('hostile');
  const base = { crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now() };
  const certificates = skip ? [] : [{ chain: parseCertificatesPem(leaf.chainPem), key: parsePrivateKeyPem(leaf.keyPem) }];
  const roots = skip ? [] : parseCertificatesPem(pki.rootPem);
  const server = () => new TlsServerContext({ ...base, certificates }).accept();

  function serverGets(bytes: Uint8Array): TlsConnection {
    const s = server();
    s.receive(bytes);
    return s;
  }

  it.each([
    ['a record of unknown type', Uint8Array.of(99, 3, 3, 0, 1, 0), 'unexpected_message'],
    ['a record longer than 2^14+256', Uint8Array.of(22, 3, 3, 0x41, 0x01), 'record_overflow'],
    ['a record that is not TLS', new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'unexpected_message'],
    ['application data before the handshake', plainRecord(23, Uint8Array.of(1, 2, 3)), 'unexpected_message'],
    ['an empty handshake record', plainRecord(22, new Uint8Array(0)), 'unexpected_message'],
    ['a truncated ClientHello', plainRecord(22, clientHello([versions(), groups(), share(), sigs()]).subarray(0, 30)), 'waiting'],
    ['a ClientHello whose body is short of its length', plainRecord(22, Uint8Array.of(1, 0, 0, 2, 3, 3)), 'decode_error'],
    ['a ClientHello without TLS 1.3', plainRecord(22, clientHello([groups(), share(), sigs()])), 'protocol_version'],
    ['a ClientHello with a repeated extension', plainRecord(22, clientHello([versions(), groups(), groups(), share(), sigs()])), 'illegal_parameter'],
    ['a ClientHello with compression', plainRecord(22, clientHello([versions(), groups(), share(), sigs()], [1, 0])), 'illegal_parameter'],
    ['a ClientHello without key_share', plainRecord(22, clientHello([versions(), groups(), sigs()])), 'missing_extension'],
    ['a ClientHello without signature_algorithms', plainRecord(22, clientHello([versions(), groups(), share()])), 'missing_extension'],
    ['a ClientHello with pre_shared_key not last', plainRecord(22, clientHello([versions(), [41, new Uint8Array(40)], groups(), share(), sigs()])), 'illegal_parameter'],
    ['a ClientHello with an X25519 share of a low-order point', plainRecord(22, clientHello([versions(), groups(), [51, new Writer().vector(2, (w) => w.u16(0x1d).vector(2, (k) => k.bytes(new Uint8Array(32)))).finish()], sigs()])), 'illegal_parameter'],
    ['a Finished instead of a ClientHello', plainRecord(22, handshakeMessage(HS.finished, new Uint8Array(32))), 'unexpected_message'],
    ['an alert of three bytes', plainRecord(21, Uint8Array.of(2, 40, 0)), 'decode_error'],
    ['a change_cipher_spec of the wrong value', Uint8Array.of(20, 3, 3, 0, 1, 2), 'unexpected_message'],
    ['a change_cipher_spec before the ClientHello', Uint8Array.of(20, 3, 3, 0, 1, 1), 'unexpected_message'],
  ])('%s', (_name, bytes, expected) => {
    const s = serverGets(bytes as Uint8Array);
    expect(s.error?.code ?? 'waiting').toBe(expected);
    if (s.error) {
      // The alert was sent: a fatal alert record in the clear, carrying that code.
      const out = s.takeOutput()!;
      expect([...out]).toEqual([21, 3, 3, 0, 2, 2, ALERTS[s.error.code as AlertName]]);
    }
  });

  it('an alert from the peer ends the handshake with that code, received not sent', () => {
    const s = serverGets(plainRecord(21, Uint8Array.of(2, 40)));
    expect(s.error?.code).toBe('handshake_failure');
    expect(s.error?.sent).toBe(false);
    expect(s.takeOutput()).toBeNull();
  });

  it('a wrong PSK binder is decrypt_error', () => {
    const ctx = new TlsServerContext({ ...base, certificates });
    const sessions: TlsSession[] = [];
    const c1 = tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: roots, onSession: (x) => sessions.push(x) });
    pumpEngines(c1, ctx.accept());
    const c2 = tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: roots, session: sessions[0]! });
    const hello = c2.takeOutput()!;
    hello[hello.length - 1]! ^= 1; // the last byte of the binder
    const s = ctx.accept();
    s.receive(hello);
    expect(s.error?.code).toBe('decrypt_error');
  });

  it('a wrong client Finished is decrypt_error, and a tampered record bad_record_mac', () => {
    const c = tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: roots });
    const s = server();
    s.receive(c.takeOutput()!);
    c.receive(s.takeOutput()!);
    const flight = c.takeOutput()!;
    flight[flight.length - 3]! ^= 0x40;
    s.receive(flight);
    expect(s.error?.code).toBe('bad_record_mac');
  });

  it('the client refuses a server that picks a suite it did not offer, or sends a malformed certificate', () => {
    const c = tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: roots, cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
    const s = new TlsServerContext({ ...base, certificates, cipherSuites: ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'] }).accept();
    s.receive(c.takeOutput()!);
    const out = s.takeOutput()!;
    // Rewrite the chosen suite in the ServerHello (record header 5 + handshake header 4 + version 2 + random 32 + session id 33).
    const at = 5 + 4 + 2 + 32 + 1 + 32;
    expect((out[at]! << 8) | out[at + 1]!).toBe(0x1301);
    out[at + 1] = 0x02;
    c.receive(out);
    expect(c.error?.code).toBe('illegal_parameter');
  });
});

describe.skipIf(skip)('TLS listener: a handshake flood is bounded', () => {
  it('keeps at most maxHandshakes in progress, resets the rest, and times out the silent ones', async () => {
    const pki = makePki();
    const leaf = pki.issue('flood');
    const clock = new VirtualClock();
    const tcp = new FlowPairListener();
    const listener = tlsServer(tcp, {
      crypto: nodeCryptoProvider,
      random: unixRandom,
      nowMs: () => Date.now(),
      clock,
      maxHandshakes: 3,
      handshakeTimeoutMs: 5000,
      certificates: [{ chain: parseCertificatesPem(leaf.chainPem), key: parsePrivateKeyPem(leaf.keyPem) }],
    });
    const silent = Array.from({ length: 10 }, () => tcp.connect());
    await new Promise((r) => setTimeout(r, 20));
    expect(listener.counters.accepted).toBe(10);
    expect(listener.counters.shed).toBe(7);
    // The silent clients' connections were reset or still wait; none was served.
    clock.advance(5001);
    await new Promise((r) => setTimeout(r, 20));
    expect(listener.counters.timedOut).toBe(3);
    expect(listener.counters.handshakes).toBe(0);
    // Room again: a real client gets through, next to one that sends garbage and is dropped alone.
    const garbage = tcp.connect();
    await garbage.write(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
    const ok = tcp.connect();
    const c = tlsClientConnection({ crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now(), serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem) });
    await ok.write(c.takeOutput()!);
    while (!c.handshakeComplete && !c.error) {
      const data = await ok.read();
      if (!data) break;
      c.receive(data);
      const out = c.takeOutput();
      if (out) await ok.write(out);
    }
    expect(c.error).toBeNull();
    expect(await garbage.read()).toEqual(Uint8Array.of(21, 3, 3, 0, 2, 2, 10)); // unexpected_message, then closed
    await listener.accept();
    expect(listener.counters.handshakes).toBe(1);
    expect(listener.counters.failed).toBe(4); // the three timed out, and the garbage
    for (const f of silent) f.abort();
    await listener.close();
  });
});
