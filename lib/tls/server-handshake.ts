/**
 * The server's handshake (RFC 8446 sections 2 and 4): ClientHello, an
 * optional HelloRetryRequest, PSK resumption from our tickets (psk_dhe_ke
 * only, no 0-RTT), certificate selection by SNI, ALPN, and the server
 * flight; then the client's Finished and the session tickets.
 */
import { fail } from './alert.ts';
import { Writer, equalBytes } from './bytes.ts';
import { checkAlpn, configuredSuites, newKeyShare, randomBytes, DEFAULT_GROUPS, type CertifiedKey, type TlsServerOptions } from './config.ts';
import type { KeyExchangeGroup } from './crypto-provider.ts';
import { TlsConnection, type HandshakeDriver } from './connection.ts';
import {
  EXT,
  HRR_RANDOM,
  HS,
  PSK_DHE_KE,
  TLS13,
  alpnExtension,
  certificateVerifyContent,
  encodeCertificateMessage,
  encodeCertificateVerify,
  encodeNewSessionTicket,
  encodeServerHello,
  handshakeMessage,
  parseClientHello,
  type ClientHello,
} from './messages.ts';
import { GROUP_CODES, SIGNATURE_SCHEMES, type CipherSuite, type SignatureScheme } from './suites.ts';
import { TicketSealer, type TicketState } from './tickets.ts';
import { Transcript } from './transcript.ts';
import { hostnameMatches } from './x509/verify.ts';

const MAX_TICKET_LIFETIME = 7 * 24 * 3600;
const EMPTY = new Uint8Array(0);

/** A configured server: certificates checked once, one ticket key for all its connections. */
export class TlsServerContext {
  readonly suites: CipherSuite[];
  readonly groups: readonly KeyExchangeGroup[];
  readonly tickets: TicketSealer;
  readonly ticketLifetime: number;
  readonly ticketsPerHandshake: number;

  constructor(readonly options: TlsServerOptions) {
    if (options.certificates.length === 0) throw new RangeError('a TLS server needs at least one certificate');
    for (const c of options.certificates) {
      if (c.chain.length === 0) throw new RangeError('empty certificate chain');
      if (schemesFor(c).length === 0) throw new RangeError('unsupported private key type for TLS 1.3');
    }
    checkAlpn(options.alpnProtocols);
    this.suites = configuredSuites(options.cipherSuites);
    this.groups = options.groups ?? DEFAULT_GROUPS;
    this.ticketLifetime = Math.min(options.ticketLifetimeSeconds ?? 7200, MAX_TICKET_LIFETIME);
    this.ticketsPerHandshake = options.ticketsPerHandshake ?? 2;
    this.tickets = new TicketSealer(options.crypto, options.random);
  }

  /** A new server-side connection; feed it the client's bytes. */
  accept(): TlsConnection {
    const conn = new TlsConnection(this.options.crypto, true, this.options.recordPadding ?? 0);
    conn.attach(new ServerHandshake(this, conn));
    conn.start();
    return conn;
  }
}

/** The CertificateVerify schemes a key can make, in our order of preference. */
function schemesFor(cert: CertifiedKey): SignatureScheme[] {
  const key = cert.key;
  return SIGNATURE_SCHEMES.filter((s) => {
    if (key.type === 'ec') return (s.algorithm === 'ecdsa-p256-sha256' && key.curve === 'p256') || (s.algorithm === 'ecdsa-p384-sha384' && key.curve === 'p384');
    if (key.type === 'ed25519') return s.algorithm === 'ed25519';
    return s.algorithm.startsWith('rsa-pss');
  });
}

type State = 'client-hello' | 'second-client-hello' | 'finished' | 'done';

interface Accepted {
  psk: Uint8Array;
  ticket: TicketState;
  index: number;
}

class ServerHandshake implements HandshakeDriver {
  private state: State = 'client-hello';
  private readonly transcript = new Transcript();
  private suite: CipherSuite | null = null;
  private retryGroup: KeyExchangeGroup | null = null;
  private sentChangeCipherSpec = false;
  private clientHandshakeSecret: Uint8Array | null = null;
  private masterSecret: Uint8Array | null = null;
  /** The client's first application secret, installed once its Finished checks out. */
  private pendingClientTraffic: Uint8Array | null = null;
  private serverName: string | null = null;
  private alpn: string | null = null;
  private group: KeyExchangeGroup | null = null;
  private resumed = false;

  constructor(
    private readonly ctx: TlsServerContext,
    private readonly conn: TlsConnection,
  ) {}

  start(): void {}

  handle(type: number, body: Uint8Array, message: Uint8Array): void {
    if (this.state === 'client-hello' || this.state === 'second-client-hello') {
      if (type !== HS.client_hello) throw fail('unexpected_message', `expected ClientHello, got message ${type}`);
      return this.onClientHello(parseClientHello(body), message);
    }
    if (this.state === 'finished') {
      if (type !== HS.finished) throw fail('unexpected_message', `expected Finished, got message ${type}`);
      return this.onFinished(body, message);
    }
    // After the handshake the client may send only KeyUpdate, which the connection handles.
    throw fail('unexpected_message', `unexpected handshake message ${type} after the handshake`);
  }

  private onClientHello(hello: ClientHello, message: Uint8Array): void {
    const o = this.ctx.options;
    if (!hello.versions.includes(TLS13)) throw fail('protocol_version', 'the client does not offer TLS 1.3 (TLS 1.2 is not supported)');
    const retry = this.state === 'second-client-hello';
    const suite = this.ctx.suites.find((s) => hello.cipherSuites.includes(s.code));
    if (!suite) throw fail('handshake_failure', 'no cipher suite in common');
    if (retry && suite !== this.suite) throw fail('illegal_parameter', 'cipher suite changed after HelloRetryRequest');
    if (!retry) {
      this.suite = suite;
      this.conn.setSuite(suite);
    }
    if (hello.keyShares === null || hello.groups.length === 0) throw fail('missing_extension', 'key_share and supported_groups are required');
    for (const share of hello.keyShares) {
      if (!hello.groups.includes(share.group)) throw fail('illegal_parameter', 'key share for a group not in supported_groups');
    }
    if (hello.psk && hello.pskModes.length === 0) throw fail('missing_extension', 'pre_shared_key without psk_key_exchange_modes');
    if (hello.earlyData) this.conn.expectSkippedEarlyData();

    // Key exchange: a share we can use, else ask for one (HelloRetryRequest).
    let chosen: { group: KeyExchangeGroup; share: Uint8Array } | null = null;
    for (const group of this.ctx.groups) {
      const share = hello.keyShares.find((s) => s.group === GROUP_CODES[group]);
      if (share) {
        chosen = { group, share: share.share };
        break;
      }
    }
    if (retry) {
      // Section 4.1.2: exactly one share, for the group we asked for.
      if (hello.keyShares.length !== 1 || chosen?.group !== this.retryGroup) throw fail('illegal_parameter', 'second ClientHello lacks the requested key share');
    }
    if (!chosen) {
      const group = this.ctx.groups.find((g) => hello.groups.includes(GROUP_CODES[g]));
      if (!group || retry) throw fail('handshake_failure', 'no key-exchange group in common');
      return this.sendHelloRetryRequest(hello, message, group);
    }
    let accepted = hello.psk && hello.pskModes.includes(PSK_DHE_KE) ? this.acceptPsk(hello, message) : null;
    this.transcript.add(message);
    this.serverName = hello.serverName;
    this.alpn = this.selectAlpn(hello.alpn);
    // A resumed session keeps its protocol; one that would change gets a full handshake instead.
    if (accepted && accepted.ticket.alpn !== this.alpn) accepted = null;
    let certificate: CertifiedKey | null = null;
    let scheme: SignatureScheme | null = null;
    if (!accepted) {
      if (hello.signatureSchemes === null) throw fail('missing_extension', 'signature_algorithms is required');
      certificate = this.selectCertificate(hello.serverName);
      scheme = schemesFor(certificate).find((s) => hello.signatureSchemes!.includes(s.code)) ?? null;
      if (!scheme) throw fail('handshake_failure', 'no signature scheme in common for the certificate');
    }

    const { privateKey, share } = newKeyShare(o.crypto, o.random, chosen.group);
    const shared = o.crypto.sharedSecret(chosen.group, privateKey, chosen.share);
    if (!shared) throw fail('illegal_parameter', 'invalid key share');
    this.group = chosen.group;
    this.resumed = accepted !== null;

    const extensions: [number, Uint8Array][] = [];
    if (accepted) extensions.push([EXT.pre_shared_key, new Writer().u16(accepted.index).finish()]);
    extensions.push([EXT.key_share, new Writer().u16(GROUP_CODES[chosen.group]).vector(2, (w) => w.bytes(share)).finish()]);
    extensions.push([EXT.supported_versions, new Writer().u16(TLS13).finish()]);
    const serverHello = encodeServerHello(randomBytes(o.random, 32), hello.sessionId, suite.code, extensions);
    this.conn.sendHandshake(serverHello);
    this.transcript.add(serverHello);
    if (hello.sessionId.length > 0 && !this.sentChangeCipherSpec) this.conn.sendChangeCipherSpec();

    const ks = this.conn.schedule;
    const handshake = ks.handshakeSecrets(accepted ? accepted.psk : null, shared, this.transcript.hash(ks));
    this.clientHandshakeSecret = handshake.client;
    this.conn.setWriteSecret(handshake.server);
    this.conn.setReadSecret(handshake.client);

    const ee: [number, Uint8Array][] = [];
    // RFC 6066 section 3: acknowledge a server name that chose the certificate (not on resumption).
    if (hello.serverName !== null && !accepted) ee.push([EXT.server_name, EMPTY]);
    if (this.alpn !== null) ee.push([EXT.alpn, alpnExtension([this.alpn])]);
    const eeWriter = new Writer();
    eeWriter.vector(2, (w) => {
      for (const [type, data] of ee) w.u16(type).vector(2, (d) => d.bytes(data));
    });
    this.sendAndRecord(handshakeMessage(HS.encrypted_extensions, eeWriter.finish()));

    if (certificate && scheme) {
      this.sendAndRecord(encodeCertificateMessage(EMPTY, certificate.chain.map((c) => c.der)));
      const content = certificateVerifyContent(true, this.transcript.hash(ks));
      const signature = o.crypto.sign(scheme.algorithm, certificate.key, content);
      this.sendAndRecord(encodeCertificateVerify(scheme.code, signature));
    }
    const verifyData = ks.finishedMac(handshake.server, this.transcript.hash(ks));
    this.sendAndRecord(handshakeMessage(HS.finished, verifyData));

    const application = ks.applicationSecrets(handshake.secret, this.transcript.hash(ks));
    this.masterSecret = application.secret;
    this.pendingClientTraffic = application.client;
    this.conn.setWriteSecret(application.server);
    this.state = 'finished';
  }

  private sendAndRecord(message: Uint8Array): void {
    this.conn.sendHandshake(message);
    this.transcript.add(message);
  }

  private sendHelloRetryRequest(hello: ClientHello, message: Uint8Array, group: KeyExchangeGroup): void {
    this.transcript.add(message);
    this.transcript.replaceFirstWithMessageHash(this.conn.schedule);
    const hrr = encodeServerHello(HRR_RANDOM, hello.sessionId, this.suite!.code, [
      [EXT.supported_versions, new Writer().u16(TLS13).finish()],
      [EXT.key_share, new Writer().u16(GROUP_CODES[group]).finish()],
    ]);
    this.sendAndRecord(hrr);
    if (hello.sessionId.length > 0) {
      this.conn.sendChangeCipherSpec();
      this.sentChangeCipherSpec = true;
    }
    this.retryGroup = group;
    this.state = 'second-client-hello';
    // Early data the client sent with its first hello is skipped (section 4.2.10).
    if (hello.earlyData) this.conn.expectSkippedEarlyData();
  }

  /** The first usable identity whose binder is right; a wrong binder is fatal (section 4.2.11). */
  private acceptPsk(hello: ClientHello, message: Uint8Array): Accepted | null {
    const o = this.ctx.options;
    const ks = this.conn.schedule;
    const now = o.nowMs();
    const psk = hello.psk!;
    for (let index = 0; index < psk.identities.length; index++) {
      const ticket = this.ctx.tickets.open(psk.identities[index]!.identity);
      if (!ticket) continue;
      if (ticket.suite !== this.suite!.code) continue;
      if (now > ticket.createdMs + ticket.lifetimeSeconds * 1000 || now < ticket.createdMs) continue;
      // The binder covers the transcript so far and this hello up to the binder list.
      const binderHash = this.transcript.hash(ks, message.subarray(0, 4 + psk.bindersOffset));
      const expected = ks.finishedMac(ks.binderKey(ticket.psk), binderHash);
      if (!equalBytes(expected, psk.binders[index]!)) throw fail('decrypt_error', 'PSK binder does not verify');
      return { psk: ticket.psk, ticket, index };
    }
    return null;
  }

  private selectCertificate(serverName: string | null): CertifiedKey {
    const certificates = this.ctx.options.certificates;
    if (serverName !== null) {
      const match = certificates.find((c) => hostnameMatches(c.chain[0]!, serverName));
      if (match) return match;
    }
    return certificates[0]!;
  }

  private selectAlpn(offered: string[] | null): string | null {
    const ours = this.ctx.options.alpnProtocols;
    if (offered === null || !ours || ours.length === 0) return null;
    const match = ours.find((p) => offered.includes(p));
    // RFC 7301 section 3.2: no protocol in common is fatal.
    if (!match) throw fail('no_application_protocol', `no ALPN protocol in common (offered ${offered.join(', ')})`);
    return match;
  }

  private onFinished(body: Uint8Array, message: Uint8Array): void {
    const ks = this.conn.schedule;
    const expected = ks.finishedMac(this.clientHandshakeSecret!, this.transcript.hash(ks));
    if (!equalBytes(expected, body)) throw fail('decrypt_error', 'client Finished does not verify');
    this.transcript.add(message);
    this.conn.setReadSecret(this.pendingClientTraffic!);
    this.state = 'done';
    this.conn.complete({ suite: this.suite!, alpn: this.alpn, serverName: this.serverName, resumed: this.resumed, group: this.group });
    this.sendTickets(ks.deriveSecret(this.masterSecret!, 'res master', this.transcript.hash(ks)));
  }

  private sendTickets(resumptionMaster: Uint8Array): void {
    const o = this.ctx.options;
    const ks = this.conn.schedule;
    for (let i = 0; i < this.ctx.ticketsPerHandshake; i++) {
      const nonce = Uint8Array.of(i);
      const ageAdd = new DataView(randomBytes(o.random, 4).buffer).getUint32(0);
      const state: TicketState = {
        suite: this.suite!.code,
        psk: ks.resumptionPsk(resumptionMaster, nonce),
        createdMs: o.nowMs(),
        lifetimeSeconds: this.ctx.ticketLifetime,
        ageAdd,
        alpn: this.alpn,
        serverName: this.serverName,
      };
      this.conn.sendHandshake(encodeNewSessionTicket({ lifetime: this.ctx.ticketLifetime, ageAdd, nonce, ticket: this.ctx.tickets.seal(state) }));
    }
  }
}
