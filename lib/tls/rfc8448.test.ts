/**
 * RFC 8448's traces, byte for byte: the key schedule, record protection of
 * the trace's records, our parsers on its messages, and our server engine
 * given the trace's ClientHello and randomness.
 *
 * Where the trace reflects NSS's own choices our engine makes differently
 * (its EncryptedExtensions list nine groups and record_size_limit; RSA-PSS
 * salts are random), the engine's later bytes differ from the trace by
 * design; those messages are checked through the values they must share.
 */
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider as crypto } from '../../drivers/unix/tls-crypto.ts';
import * as V from '../../test/tls/rfc8448-vectors.ts';
import type { Random } from '../devices/random.ts';
import { concatBytes } from './bytes.ts';
import { KeySchedule } from './key-schedule.ts';
import { certificateVerifyContent, parseCertificateMessage, parseCertificateVerify, parseClientHello, parseNewSessionTicket, parseServerHello } from './messages.ts';
import { RecordProtection, RecordReader, plainRecord } from './record.ts';
import { TlsServerContext } from './server-handshake.ts';
import { suiteByName } from './suites.ts';
import { Transcript } from './transcript.ts';
import { parseCertificate } from './x509/certificate.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ks = new KeySchedule(crypto, suiteByName('TLS_AES_128_GCM_SHA256'));
const APP_DATA = Uint8Array.from({ length: 50 }, (_, i) => i);

function transcriptOf(...messages: Uint8Array[]): Uint8Array {
  const t = new Transcript();
  for (const m of messages) t.add(m);
  return t.hash(ks);
}

/** The key and IV a traffic secret gives (RFC 8446 section 7.3) are the trace's. */
function expectTrafficKey(secret: Uint8Array, key: string, iv: string): void {
  const k = ks.trafficKey(secret);
  expect([hex(k.key), hex(k.iv)]).toEqual([key, iv]);
}

function protection(secret: string): RecordProtection {
  const { key, iv } = ks.trafficKey(Buffer.from(secret, 'hex'));
  return new RecordProtection(crypto.aead('aes-128-gcm', key), iv);
}

function readRecord(bytes: Uint8Array) {
  const r = new RecordReader();
  r.push(bytes);
  const record = r.next()!;
  expect(r.buffered).toBe(0);
  return record;
}

const hello = [V.CLIENT_HELLO, V.SERVER_HELLO];
const serverFlight = [V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE, V.CERTIFICATE_VERIFY, V.SERVER_FINISHED];

describe('RFC 8448 section 3: simple 1-RTT handshake', () => {
  it('has the lengths the RFC prints (the vectors were copied whole)', () => {
    expect([V.CLIENT_HELLO, V.SERVER_HELLO, ...serverFlight, V.CLIENT_FINISHED].map((m) => m.length)).toEqual([196, 90, 40, 445, 136, 36, 36]);
    expect([V.SERVER_FLIGHT_RECORD, V.CLIENT_FINISHED_RECORD, V.CLIENT_APP_RECORD, V.SERVER_APP_RECORD].map((m) => m.length)).toEqual([679, 58, 72, 72]);
  });

  it('derives every secret, key and IV of the key schedule', () => {
    expect(hex(crypto.keyShare('x25519', V.SERVER_PRIVATE)!)).toBe(hex(V.SERVER_PUBLIC));
    const clientShare = parseClientHello(V.CLIENT_HELLO.subarray(4)).keyShares![0]!.share;
    expect(hex(crypto.sharedSecret('x25519', V.SERVER_PRIVATE, clientShare)!)).toBe(hex(V.ECDHE));
    expect(hex(ks.earlySecret(null))).toBe(V.SECRETS.early);
    const S = V.SECRETS;
    const handshake = ks.handshakeSecrets(null, V.ECDHE, transcriptOf(...hello));
    const application = ks.applicationSecrets(handshake.secret, transcriptOf(...hello, ...serverFlight));
    // Each stage: its secret, then each side's traffic secret with the key and IV it gives.
    const stages = [
      { stage: handshake, secret: S.handshake, client: [S.clientHandshake, S.clientHandshakeKey, S.clientHandshakeIv], server: [S.serverHandshake, S.serverHandshakeKey, S.serverHandshakeIv] },
      { stage: application, secret: S.master, client: [S.clientApplication, S.clientApplicationKey, S.clientApplicationIv], server: [S.serverApplication, S.serverApplicationKey, S.serverApplicationIv] },
    ];
    for (const { stage, secret, client, server } of stages) {
      expect(hex(stage.secret)).toBe(secret);
      for (const [derived, [traffic, key, iv]] of [[stage.client, client], [stage.server, server]] as const) {
        expect(hex(derived)).toBe(traffic);
        expectTrafficKey(derived, key!, iv!);
      }
    }
    expect(hex(ks.finishedKey(handshake.server))).toBe(S.serverFinishedKey);
    expect(hex(ks.finishedKey(handshake.client))).toBe(S.clientFinishedKey);
    expect(hex(ks.finishedMac(handshake.server, transcriptOf(...hello, ...serverFlight.slice(0, 3))))).toBe(hex(V.SERVER_FINISHED.subarray(4)));
    expect(hex(ks.finishedMac(handshake.client, transcriptOf(...hello, ...serverFlight)))).toBe(hex(V.CLIENT_FINISHED.subarray(4)));
    expect(hex(ks.deriveSecret(application.secret, 'res master', transcriptOf(...hello, ...serverFlight, V.CLIENT_FINISHED)))).toBe(S.resumptionMaster);
  });

  it('protects and opens the trace records byte for byte', () => {
    // Each record sealed from its content, and opened back to it. The server flight is EE, Certificate,
    // CertificateVerify and Finished in one record.
    const records = [
      { secret: V.SECRETS.serverHandshake, type: 22, content: concatBytes(serverFlight), record: V.SERVER_FLIGHT_RECORD },
      { secret: V.SECRETS.clientHandshake, type: 22, content: V.CLIENT_FINISHED, record: V.CLIENT_FINISHED_RECORD },
      { secret: V.SECRETS.clientApplication, type: 23, content: APP_DATA, record: V.CLIENT_APP_RECORD },
    ];
    for (const { secret, type, content, record } of records) {
      expect(hex(protection(secret).seal(type, content))).toBe(hex(record));
      const opened = protection(secret).open(readRecord(record))!;
      expect([opened.type, hex(opened.content)]).toEqual([type, hex(content)]);
    }
    // The server's record 0 under this key was its NewSessionTicket: the data is record 1.
    const server = protection(V.SECRETS.serverApplication);
    server.seal(22, V.NEW_SESSION_TICKET);
    expect(hex(server.seal(23, APP_DATA))).toBe(hex(V.SERVER_APP_RECORD));
    // A record altered in one byte does not open.
    const bad = Uint8Array.from(V.CLIENT_APP_RECORD);
    bad[40]! ^= 1;
    expect(protection(V.SECRETS.clientApplication).open(readRecord(bad))).toBeNull();
  });

  it('parses every message of the trace, and its CertificateVerify verifies over the content we build', () => {
    const ch = parseClientHello(V.CLIENT_HELLO.subarray(4));
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(ch.serverName).toBe('server');
    expect(ch.versions).toEqual([0x0304]);
    const sh = parseServerHello(V.SERVER_HELLO.subarray(4));
    expect(sh.isRetry).toBe(false);
    expect(sh.cipherSuite).toBe(0x1301);
    const certs = parseCertificateMessage(V.CERTIFICATE.subarray(4));
    const cert = parseCertificate(certs.entries[0]!.data);
    expect(cert.commonName).toBe('rsa');
    expect(cert.publicKey).toMatchObject({ type: 'rsa' });
    const cv = parseCertificateVerify(V.CERTIFICATE_VERIFY.subarray(4));
    expect(cv.scheme).toBe(0x0804);
    const content = certificateVerifyContent(true, transcriptOf(...hello, V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE));
    expect(crypto.verify('rsa-pss-sha256', cert.publicKey, content, cv.signature)).toBe(true);
    // The trace's certificate is self-signed with PKCS#1 v1.5, which verifies through the provider too.
    expect(crypto.verify('rsa-pkcs1-sha256', cert.publicKey, cert.tbs, cert.signature)).toBe(true);
  });

  it('our server, given the trace ClientHello and randomness, sends the trace ServerHello and Certificate and the same handshake keys', () => {
    const fills = [new Uint8Array(32) /* ticket key */, V.SERVER_PRIVATE, V.SERVER_RANDOM];
    const random: Random = {
      fill(buffer) {
        const next = fills.shift() ?? new Uint8Array(buffer.length).fill(0x5a);
        expect(next.length).toBe(buffer.length);
        buffer.set(next);
      },
    };
    const cert = parseCertificate(parseCertificateMessage(V.CERTIFICATE.subarray(4)).entries[0]!.data);
    const ctx = new TlsServerContext({
      crypto,
      random,
      nowMs: () => Date.UTC(2018, 0, 1),
      certificates: [{ chain: [cert], key: { type: 'rsa', ...V.SERVER_RSA } }],
      ticketsPerHandshake: 0,
    });
    const conn = ctx.accept();
    conn.receive(plainRecord(22, V.CLIENT_HELLO));
    expect(conn.error).toBeNull();
    const out = conn.takeOutput()!;
    const reader = new RecordReader();
    reader.push(out);
    const sh = reader.next()!;
    expect(hex(sh.body)).toBe(hex(V.SERVER_HELLO));
    // The rest is protected under the trace's server handshake key: if it opens, our handshake secret is the trace's.
    const serverHs = protection(V.SECRETS.serverHandshake);
    const messages: Uint8Array[] = [];
    for (let r = reader.next(); r; r = reader.next()) messages.push(Uint8Array.from(serverHs.open(r)!.content));
    const flight = concatBytes(messages);
    const ee = flight.subarray(0, 4 + ((flight[1]! << 16) | (flight[2]! << 8) | flight[3]!));
    const rest = flight.subarray(ee.length);
    expect(hex(rest.subarray(0, V.CERTIFICATE.length))).toBe(hex(V.CERTIFICATE));
    // Its CertificateVerify (with its own random PSS salt) verifies over our transcript.
    const cvMessage = rest.subarray(V.CERTIFICATE.length, V.CERTIFICATE.length + V.CERTIFICATE_VERIFY.length);
    const cv = parseCertificateVerify(cvMessage.subarray(4));
    expect(cv.scheme).toBe(0x0804);
    expect(crypto.verify('rsa-pss-sha256', cert.publicKey, certificateVerifyContent(true, transcriptOf(...hello, ee, V.CERTIFICATE)), cv.signature)).toBe(true);
    // A client Finished for that transcript, sent under the trace's client handshake key, completes the handshake.
    const finished = rest.subarray(V.CERTIFICATE.length + V.CERTIFICATE_VERIFY.length);
    const cHs = Buffer.from(V.SECRETS.clientHandshake, 'hex');
    const verifyData = ks.finishedMac(cHs, transcriptOf(...hello, ee, V.CERTIFICATE, cvMessage, finished));
    conn.receive(protection(V.SECRETS.clientHandshake).seal(22, concatBytes([Uint8Array.of(20, 0, 0, 32), verifyData])));
    expect(conn.error).toBeNull();
    expect(conn.result?.suite.name).toBe('TLS_AES_128_GCM_SHA256');
  });
});

describe('RFC 8448 section 4: resumed handshake', () => {
  it('derives the ticket PSK, the binder key and the binder over the truncated ClientHello', () => {
    const nst = parseNewSessionTicket(V.NEW_SESSION_TICKET.subarray(4));
    expect(nst.lifetime).toBe(30);
    expect(hex(nst.nonce)).toBe('0000');
    const psk = ks.resumptionPsk(Buffer.from(V.SECRETS.resumptionMaster, 'hex'), nst.nonce);
    expect(hex(psk)).toBe(V.RESUMPTION_PSK);
    expect(hex(ks.earlySecret(psk))).toBe(V.RESUMED_EARLY_SECRET);
    const binderKey = ks.binderKey(psk);
    expect(hex(binderKey)).toBe(V.BINDER_KEY);
    const ch = parseClientHello(V.RESUMED_CLIENT_HELLO.subarray(4));
    expect(hex(ch.psk!.identities[0]!.identity)).toBe(hex(nst.ticket));
    const truncated = V.RESUMED_CLIENT_HELLO.subarray(0, 4 + ch.psk!.bindersOffset);
    expect(truncated.length).toBe(477);
    expect(hex(ks.hash(truncated))).toBe(V.BINDER_HASH);
    expect(hex(ks.finishedMac(binderKey, ks.hash(truncated)))).toBe(V.BINDER);
    expect(hex(ch.psk!.binders[0]!)).toBe(V.BINDER);
    expect(ch.earlyData).toBe(true);
  });
});

describe('RFC 8448 section 5: HelloRetryRequest messages', () => {
  it('parses the trace: a retry asking for P-256 with a cookie, then a ServerHello with a P-256 share', () => {
    const ch1 = parseClientHello(V.HRR_CLIENT_HELLO_1.subarray(4));
    expect(ch1.keyShares!.map((k) => k.group)).toEqual([0x001d]);
    expect(ch1.groups).toEqual([0x001d, 0x0017, 0x0018]);
    const hrr = parseServerHello(V.HELLO_RETRY_REQUEST.subarray(4));
    expect(hrr.isRetry).toBe(true);
    expect([...hrr.extensions.get(51)!]).toEqual([0x00, 0x17]);
    expect(hrr.extensions.get(44)!.length).toBe(0x74);
    const sh = parseServerHello(V.HRR_SERVER_HELLO.subarray(4));
    expect(sh.isRetry).toBe(false);
    const share = sh.extensions.get(51)!;
    expect((share[0]! << 8) | share[1]!).toBe(0x0017);
    expect(share.length).toBe(4 + 65);
    // The transcript after a retry starts with message_hash(Hash(ClientHello1)) (RFC 8446 section 4.4.1).
    const t = new Transcript();
    t.add(V.HRR_CLIENT_HELLO_1);
    t.replaceFirstWithMessageHash(ks);
    t.add(V.HELLO_RETRY_REQUEST);
    const expected = ks.hash(concatBytes([Uint8Array.of(254, 0, 0, 32), ks.hash(V.HRR_CLIENT_HELLO_1), V.HELLO_RETRY_REQUEST]));
    expect(hex(t.hash(ks))).toBe(hex(expected));
  });
});
