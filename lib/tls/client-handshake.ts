/**
 * The client's handshake (RFC 8446 sections 2 and 4): ClientHello (with a
 * PSK from an earlier session when given one), HelloRetryRequest, the
 * server's flight with certificate validation, our Finished; afterwards the
 * server's session tickets.
 */
import { TlsError, fail } from './alert.ts';
import { Reader, Writer, asciiBytes, equalBytes } from './bytes.ts';
import { checkAlpn, configuredSuites, newKeyShare, randomBytes, DEFAULT_GROUPS, type TlsClientOptions } from './config.ts';
import type { KeyExchangeGroup, PublicKey } from './crypto-provider.ts';
import { TlsConnection, type HandshakeDriver } from './connection.ts';
import {
  EXT,
  HS,
  PSK_DHE_KE,
  TLS13,
  alpnExtension,
  certificateVerifyContent,
  encodeCertificateMessage,
  handshakeMessage,
  parseAlpn,
  parseCertificateMessage,
  parseCertificateVerify,
  parseExtensions,
  parseNewSessionTicket,
  parseServerHello,
  type ServerHello,
} from './messages.ts';
import { CERTIFICATE_ONLY_SCHEMES, GROUP_CODES, SIGNATURE_SCHEMES, groupByCode, schemeByCode, suiteByCode, type CipherSuite } from './suites.ts';
import { Transcript } from './transcript.ts';
import { parseCertificate, type Certificate } from './x509/certificate.ts';
import { DerError } from './x509/der.ts';
import { verifyCertificateChain } from './x509/verify.ts';

/** Extensions a server may put in EncryptedExtensions in answer to ours (RFC 8446 section 4.2). */
const ENCRYPTED_EXTENSIONS_ALLOWED = new Set<number>([EXT.server_name, EXT.supported_groups, EXT.alpn, EXT.early_data, 28 /* record_size_limit */]);

/** Starts a client connection; its ClientHello is in the output at once. */
export function tlsClientConnection(options: TlsClientOptions): TlsConnection {
  checkAlpn(options.alpnProtocols);
  const conn = new TlsConnection(options.crypto, false, options.recordPadding ?? 0);
  conn.attach(new ClientHandshake(options, conn));
  conn.start();
  return conn;
}

type State = 'server-hello' | 'encrypted-extensions' | 'certificate' | 'certificate-verify' | 'finished' | 'done';

function isIpAddress(name: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(name);
}

class ClientHandshake implements HandshakeDriver {
  private state: State = 'server-hello';
  private readonly transcript = new Transcript();
  private readonly suites: CipherSuite[];
  private readonly groups: readonly KeyExchangeGroup[];
  /** Our key shares by group: private key and public share. */
  private shares = new Map<KeyExchangeGroup, { privateKey: Uint8Array; share: Uint8Array }>();
  private readonly sessionId: Uint8Array;
  private readonly random: Uint8Array;
  private retried = false;
  private cookie: Uint8Array | null = null;
  private suite: CipherSuite | null = null;
  private group: KeyExchangeGroup | null = null;
  private usedPsk: Uint8Array | null = null;
  private handshakeSecret: Uint8Array | null = null;
  private clientHandshakeSecret: Uint8Array | null = null;
  private serverHandshakeSecret: Uint8Array | null = null;
  private resumptionMaster: Uint8Array | null = null;
  private serverKey: PublicKey | null = null;
  private certificateRequested: Uint8Array | null = null;
  private alpn: string | null = null;
  private sentChangeCipherSpec = false;

  constructor(
    private o: TlsClientOptions,
    private readonly conn: TlsConnection,
  ) {
    this.suites = configuredSuites(o.cipherSuites);
    this.groups = o.groups ?? DEFAULT_GROUPS;
    this.sessionId = randomBytes(o.random, 32);
    this.random = randomBytes(o.random, 32);
  }

  start(): void {
    for (const g of this.o.keyShareGroups ?? [this.groups[0]!]) this.shares.set(g, newKeyShare(this.o.crypto, this.o.random, g));
    this.sendClientHello();
  }

  private usableSession(): TlsClientOptions['session'] {
    const s = this.o.session;
    if (!s || s.serverName !== this.o.serverName) return null;
    if (!this.suites.some((x) => x.code === s.suite)) return null;
    if (this.o.nowMs() > s.receivedMs + s.lifetimeSeconds * 1000) return null;
    return s;
  }

  private sendClientHello(): void {
    const o = this.o;
    const ext: [number, Uint8Array][] = [];
    if (o.serverName !== null && !isIpAddress(o.serverName)) {
      const name = asciiBytes(o.serverName);
      ext.push([EXT.server_name, new Writer().vector(2, (w) => w.u8(0).vector(2, (n) => n.bytes(name))).finish()]);
    }
    ext.push([EXT.supported_versions, new Writer().vector(1, (w) => w.u16(TLS13)).finish()]);
    ext.push([EXT.supported_groups, new Writer().vector(2, (w) => this.groups.forEach((g) => w.u16(GROUP_CODES[g]))).finish()]);
    ext.push([
      EXT.key_share,
      new Writer()
        .vector(2, (w) => {
          for (const [g, k] of this.shares) w.u16(GROUP_CODES[g]).vector(2, (s) => s.bytes(k.share));
        })
        .finish(),
    ]);
    ext.push([EXT.signature_algorithms, new Writer().vector(2, (w) => SIGNATURE_SCHEMES.forEach((s) => w.u16(s.code))).finish()]);
    ext.push([
      EXT.signature_algorithms_cert,
      new Writer().vector(2, (w) => [...SIGNATURE_SCHEMES, ...CERTIFICATE_ONLY_SCHEMES].forEach((s) => w.u16(s.code))).finish(),
    ]);
    if (o.alpnProtocols && o.alpnProtocols.length > 0) ext.push([EXT.alpn, alpnExtension(o.alpnProtocols)]);
    if (this.cookie) ext.push([EXT.cookie, new Writer().vector(2, (w) => w.bytes(this.cookie!)).finish()]);
    const session = this.usableSession();
    ext.push([EXT.psk_key_exchange_modes, new Writer().vector(1, (w) => w.u8(PSK_DHE_KE)).finish()]);

    const body = new Writer()
      .u16(0x0303)
      .bytes(this.random)
      .vector(1, (w) => w.bytes(this.sessionId))
      .vector(2, (w) => this.suites.forEach((s) => w.u16(s.code)))
      .vector(1, (w) => w.u8(0));

    if (!session) {
      body.vector(2, (w) => {
        for (const [t, d] of ext) w.u16(t).vector(2, (x) => x.bytes(d));
      });
      const hello = handshakeMessage(HS.client_hello, body.finish());
      this.transcript.add(hello);
      this.conn.sendHandshake(hello);
      return;
    }

    // With a PSK (section 4.2.11): the binder signs the hello up to the binder list, so build it in two steps.
    const suite = suiteByCode(session.suite)!;
    const age = (Math.max(0, this.o.nowMs() - session.receivedMs) + session.ageAdd) >>> 0;
    const identities = new Writer().vector(2, (w) => w.vector(2, (i) => i.bytes(session.ticket)).u32(age)).finish();
    const binderLength = suite.hashLength;
    const pskExtLength = identities.length + 2 + 1 + binderLength;
    body.vector(2, (w) => {
      for (const [t, d] of ext) w.u16(t).vector(2, (x) => x.bytes(d));
      w.u16(EXT.pre_shared_key).u16(pskExtLength).bytes(identities);
      w.bytes(new Uint8Array(2 + 1 + binderLength)); // binders, filled in below
    });
    const hello = handshakeMessage(HS.client_hello, body.finish());
    const truncatedLength = hello.length - (2 + 1 + binderLength);
    this.conn.setSuite(suite);
    const ks = this.conn.schedule;
    const binder = ks.finishedMac(ks.binderKey(session.psk), this.transcript.hash(ks, hello.subarray(0, truncatedLength)));
    hello.set(new Writer().u16(1 + binderLength).u8(binderLength).bytes(binder).finish(), truncatedLength);
    this.transcript.add(hello);
    this.conn.sendHandshake(hello);
  }

  handle(type: number, body: Uint8Array, message: Uint8Array): void {
    switch (this.state) {
      case 'server-hello':
        if (type !== HS.server_hello) throw fail('unexpected_message', `expected ServerHello, got message ${type}`);
        return this.onServerHello(parseServerHello(body), message);
      case 'encrypted-extensions':
        if (type !== HS.encrypted_extensions) throw fail('unexpected_message', `expected EncryptedExtensions, got ${type}`);
        return this.onEncryptedExtensions(body, message);
      case 'certificate':
        if (type === HS.certificate_request && this.certificateRequested === null) {
          const r = new Reader(body);
          this.certificateRequested = r.vector(1);
          parseExtensions(r, 2);
          r.end();
          this.transcript.add(message);
          return;
        }
        if (type !== HS.certificate) throw fail('unexpected_message', `expected Certificate, got ${type}`);
        return this.onCertificate(body, message);
      case 'certificate-verify':
        if (type !== HS.certificate_verify) throw fail('unexpected_message', `expected CertificateVerify, got ${type}`);
        return this.onCertificateVerify(body, message);
      case 'finished':
        if (type !== HS.finished) throw fail('unexpected_message', `expected Finished, got ${type}`);
        return this.onFinished(body, message);
      case 'done':
        if (type !== HS.new_session_ticket) throw fail('unexpected_message', `unexpected handshake message ${type} after the handshake`);
        return this.onNewSessionTicket(body);
    }
  }

  private onServerHello(hello: ServerHello, message: Uint8Array): void {
    const versions = hello.extensions.get(EXT.supported_versions);
    if (!versions) throw fail('protocol_version', 'the server does not speak TLS 1.3 (TLS 1.2 is not supported)');
    const vr = new Reader(versions);
    const version = vr.u16();
    vr.end();
    if (version !== TLS13) throw fail('illegal_parameter', 'the server chose a version we did not offer');
    if (!equalBytes(hello.sessionId, this.sessionId)) throw fail('illegal_parameter', 'session id not echoed');
    const suite = this.suites.find((s) => s.code === hello.cipherSuite);
    if (!suite) throw fail('illegal_parameter', 'the server chose a cipher suite we did not offer');
    for (const type of hello.extensions.keys()) {
      const allowed = hello.isRetry ? [EXT.supported_versions, EXT.key_share, EXT.cookie] : [EXT.supported_versions, EXT.key_share, EXT.pre_shared_key];
      if (!allowed.includes(type as never)) throw fail('unsupported_extension', `ServerHello carries extension ${type}`);
    }
    if (hello.isRetry) return this.onHelloRetryRequest(hello, suite, message);
    if (this.suite && this.suite !== suite && this.retried) throw fail('illegal_parameter', 'cipher suite changed after HelloRetryRequest');

    const keyShare = hello.extensions.get(EXT.key_share);
    if (!keyShare) throw fail('missing_extension', 'ServerHello without key_share (psk_ke is not offered)');
    const kr = new Reader(keyShare);
    const group = groupByCode(kr.u16());
    const share = kr.vector(2, 1);
    kr.end();
    if (!group || !this.shares.has(group)) throw fail('illegal_parameter', 'key share for a group we did not send');
    const shared = this.o.crypto.sharedSecret(group, this.shares.get(group)!.privateKey, share);
    if (!shared) throw fail('illegal_parameter', 'invalid server key share');
    this.group = group;

    let psk: Uint8Array | null = null;
    const pskExt = hello.extensions.get(EXT.pre_shared_key);
    if (pskExt) {
      const session = this.usableSession();
      const pr = new Reader(pskExt);
      const index = pr.u16();
      pr.end();
      if (!session || index !== 0) throw fail('illegal_parameter', 'the server chose a PSK we did not offer');
      if (suiteByCode(session.suite)!.hash !== suite.hash) throw fail('illegal_parameter', 'PSK with a different hash');
      psk = session.psk;
      this.usedPsk = psk;
    }
    this.suite = suite;
    this.conn.setSuite(suite);
    this.transcript.add(message);
    const ks = this.conn.schedule;
    const stage = ks.handshakeSecrets(psk, shared, this.transcript.hash(ks));
    this.handshakeSecret = stage.secret;
    this.clientHandshakeSecret = stage.client;
    this.serverHandshakeSecret = stage.server;
    this.conn.setReadSecret(this.serverHandshakeSecret);
    this.state = 'encrypted-extensions';
  }

  private onHelloRetryRequest(hello: ServerHello, suite: CipherSuite, message: Uint8Array): void {
    if (this.retried) throw fail('unexpected_message', 'second HelloRetryRequest');
    this.retried = true;
    const keyShare = hello.extensions.get(EXT.key_share);
    const cookie = hello.extensions.get(EXT.cookie);
    if (!keyShare && !cookie) throw fail('illegal_parameter', 'HelloRetryRequest that would change nothing');
    if (keyShare) {
      const kr = new Reader(keyShare);
      const group = groupByCode(kr.u16());
      kr.end();
      // Section 4.2.8: a group we support, and not one we already sent a share for.
      if (!group || !this.groups.includes(group) || this.shares.has(group)) throw fail('illegal_parameter', 'HelloRetryRequest for an unusable group');
      this.shares = new Map([[group, newKeyShare(this.o.crypto, this.o.random, group)]]);
    }
    if (cookie) {
      const cr = new Reader(cookie);
      this.cookie = cr.vector(2, 1);
      cr.end();
    }
    this.suite = suite;
    this.conn.setSuite(suite);
    this.transcript.replaceFirstWithMessageHash(this.conn.schedule);
    this.transcript.add(message);
    // A PSK whose hash differs from the chosen suite's cannot be offered again (section 4.1.4).
    if (this.o.session && suiteByCode(this.o.session.suite)!.hash !== suite.hash) this.o = { ...this.o, session: null };
    this.sendChangeCipherSpec();
    this.sendClientHello();
  }

  /** Middlebox compatibility (appendix D.4): one change_cipher_spec, before our second flight. */
  private sendChangeCipherSpec(): void {
    if (this.sentChangeCipherSpec) return;
    this.sentChangeCipherSpec = true;
    this.conn.sendChangeCipherSpec();
  }

  private onEncryptedExtensions(body: Uint8Array, message: Uint8Array): void {
    const r = new Reader(body);
    const { map } = parseExtensions(r);
    r.end();
    for (const type of map.keys()) {
      if (!ENCRYPTED_EXTENSIONS_ALLOWED.has(type)) throw fail('unsupported_extension', `EncryptedExtensions carries extension ${type}`);
    }
    const alpn = map.get(EXT.alpn);
    if (alpn) {
      const list = parseAlpn(alpn);
      if (list.length !== 1 || !this.o.alpnProtocols?.includes(list[0]!)) throw fail('illegal_parameter', 'the server chose an ALPN protocol we did not offer');
      this.alpn = list[0]!;
    }
    if (map.has(EXT.early_data)) throw fail('unsupported_extension', 'early data was not offered');
    this.transcript.add(message);
    this.state = this.usedPsk ? 'finished' : 'certificate';
  }

  private onCertificate(body: Uint8Array, message: Uint8Array): void {
    const { context, entries } = parseCertificateMessage(body);
    if (context.length !== 0) throw fail('illegal_parameter', 'certificate_request_context in a server Certificate');
    if (entries.length === 0) throw fail('decode_error', 'the server sent no certificate');
    let chain: Certificate[];
    try {
      chain = entries.map((e) => parseCertificate(e.data));
    } catch (err) {
      if (err instanceof DerError) throw fail('bad_certificate', `malformed certificate: ${err.message}`);
      throw err;
    }
    if (!this.o.insecureSkipVerify) {
      verifyCertificateChain(this.o.crypto, chain, { trustAnchors: this.o.trustAnchors, hostname: this.o.serverName, nowMs: this.o.nowMs() });
    }
    this.serverKey = chain[0]!.publicKey;
    this.transcript.add(message);
    this.state = 'certificate-verify';
  }

  private onCertificateVerify(body: Uint8Array, message: Uint8Array): void {
    const { scheme: code, signature } = parseCertificateVerify(body);
    const scheme = schemeByCode(code);
    if (!scheme) throw fail('illegal_parameter', `signature scheme 0x${code.toString(16)} was not offered`);
    const ks = this.conn.schedule;
    const content = certificateVerifyContent(true, this.transcript.hash(ks));
    if (!this.o.crypto.verify(scheme.algorithm, this.serverKey!, content, signature)) {
      throw fail('decrypt_error', 'the server CertificateVerify signature does not verify');
    }
    this.transcript.add(message);
    this.state = 'finished';
  }

  private onFinished(body: Uint8Array, message: Uint8Array): void {
    const ks = this.conn.schedule;
    const expected = ks.finishedMac(this.serverHandshakeSecret!, this.transcript.hash(ks));
    if (!equalBytes(expected, body)) throw fail('decrypt_error', 'the server Finished does not verify');
    this.transcript.add(message);
    const application = ks.applicationSecrets(this.handshakeSecret!, this.transcript.hash(ks));
    this.conn.setReadSecret(application.server);
    this.sendChangeCipherSpec();
    this.conn.setWriteSecret(this.clientHandshakeSecret!);
    if (this.certificateRequested !== null) {
      // Client certificates are not supported: answer with an empty list (section 4.4.2.4).
      const empty = encodeCertificateMessage(this.certificateRequested, []);
      this.conn.sendHandshake(empty);
      this.transcript.add(empty);
    }
    const finished = handshakeMessage(HS.finished, ks.finishedMac(this.clientHandshakeSecret!, this.transcript.hash(ks)));
    this.conn.sendHandshake(finished);
    this.transcript.add(finished);
    this.conn.setWriteSecret(application.client);
    this.resumptionMaster = ks.deriveSecret(application.secret, 'res master', this.transcript.hash(ks));
    this.state = 'done';
    this.conn.complete({ suite: this.suite!, alpn: this.alpn, serverName: this.o.serverName, resumed: this.usedPsk !== null, group: this.group });
  }

  private onNewSessionTicket(body: Uint8Array): void {
    const t = parseNewSessionTicket(body);
    if (t.lifetime > 7 * 24 * 3600) throw fail('illegal_parameter', 'ticket lifetime over 7 days');
    if (!this.o.onSession || t.lifetime === 0) return;
    const ks = this.conn.schedule;
    try {
      this.o.onSession({
        serverName: this.o.serverName,
        suite: this.suite!.code,
        ticket: Uint8Array.from(t.ticket),
        psk: ks.resumptionPsk(this.resumptionMaster!, t.nonce),
        ageAdd: t.ageAdd,
        receivedMs: this.o.nowMs(),
        lifetimeSeconds: t.lifetime,
        alpn: this.alpn,
      });
    } catch (err) {
      throw new TlsError('internal_error', `onSession failed: ${String(err)}`);
    }
  }
}
