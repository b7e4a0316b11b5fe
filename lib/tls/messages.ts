/**
 * Handshake messages and extensions (RFC 8446 section 4): parsing with every
 * length checked, and encoding. Parsers throw `TlsError` (decode_error or
 * illegal_parameter); they never return half-parsed data.
 */
import { fail } from './alert.ts';
import { Reader, Writer } from './bytes.ts';

export const HS = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

export const EXT = {
  server_name: 0,
  supported_groups: 10,
  signature_algorithms: 13,
  alpn: 16,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50,
  key_share: 51,
} as const;

export const TLS13 = 0x0304;
export const LEGACY_VERSION = 0x0303;
/** psk_dhe_ke (RFC 8446 section 4.2.9): the only PSK mode offered and accepted, for forward secrecy. */
export const PSK_DHE_KE = 1;

/** The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (section 4.1.3). */
export const HRR_RANDOM = Uint8Array.from(
  [0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
   0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c],
);

/** A handshake message with its 4-byte header. */
export function handshakeMessage(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

export type Extensions = Map<number, Uint8Array>;

/** Extensions in order; a repeated type is illegal (section 4.2). */
export function parseExtensions(r: Reader, min = 0): { map: Extensions; order: number[] } {
  const block = new Reader(r.vector(2, min));
  const map: Extensions = new Map();
  const order: number[] = [];
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vector(2);
    if (map.has(type)) throw fail('illegal_parameter', `extension ${type} repeated`);
    map.set(type, data);
    order.push(type);
  }
  return { map, order };
}

export function writeExtensions(w: Writer, extensions: readonly [number, Uint8Array][]): void {
  w.vector(2, (e) => {
    for (const [type, data] of extensions) e.u16(type).vector(2, (d) => d.bytes(data));
  });
}

export interface KeyShareEntry {
  group: number;
  share: Uint8Array;
}

export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedAge: number;
}

export interface ClientHello {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  extensions: Extensions;
  /** Offered versions (supported_versions), empty when absent. */
  versions: number[];
  groups: number[];
  keyShares: KeyShareEntry[] | null;
  signatureSchemes: number[] | null;
  serverName: string | null;
  alpn: string[] | null;
  pskModes: number[];
  psk: { identities: PskIdentity[]; binders: Uint8Array[]; /** Bytes of the message before the binders. */ bindersOffset: number } | null;
  cookie: Uint8Array | null;
  earlyData: boolean;
}

function u16List(data: Uint8Array, lengthBytes: 1 | 2, min: number): number[] {
  const r = new Reader(data);
  const list = new Reader(r.vector(lengthBytes, min));
  r.end();
  if (list.remaining % 2 !== 0) throw fail('decode_error', 'odd-length list of 16-bit values');
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16());
  return out;
}

function parseKeyShares(data: Uint8Array): KeyShareEntry[] {
  const r = new Reader(data);
  const list = new Reader(r.vector(2));
  r.end();
  const out: KeyShareEntry[] = [];
  while (list.remaining > 0) {
    const group = list.u16();
    const share = list.vector(2, 1);
    // Section 4.2.8: a group may appear only once.
    if (out.some((e) => e.group === group)) throw fail('illegal_parameter', 'key share group repeated');
    out.push({ group, share });
  }
  return out;
}

function parseServerName(data: Uint8Array): string | null {
  const r = new Reader(data);
  const list = new Reader(r.vector(2, 1));
  r.end();
  let name: string | null = null;
  while (list.remaining > 0) {
    const type = list.u8();
    const value = list.vector(2, 1);
    if (type !== 0) continue;
    if (name !== null) throw fail('illegal_parameter', 'two host names in server_name');
    // RFC 6066 section 3: ASCII host name, no trailing dot.
    for (const b of value) if (b <= 0x20 || b >= 0x7f) throw fail('illegal_parameter', 'server name is not an ASCII host name');
    name = String.fromCharCode(...value).toLowerCase();
  }
  return name;
}

export function parseAlpn(data: Uint8Array): string[] {
  const r = new Reader(data);
  const list = new Reader(r.vector(2, 2));
  r.end();
  const out: string[] = [];
  while (list.remaining > 0) out.push(String.fromCharCode(...list.vector(1, 1)));
  return out;
}

export function alpnExtension(protocols: readonly string[]): Uint8Array {
  return new Writer()
    .vector(2, (w) => {
      for (const p of protocols) w.vector(1, (v) => v.bytes(Uint8Array.from(p, (c) => c.charCodeAt(0))));
    })
    .finish();
}

/** Parses a ClientHello body (without the 4-byte header). */
export function parseClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  r.u16(); // legacy_version: ignored, supported_versions decides (section 4.2.1)
  const random = r.bytes(32);
  const sessionId = r.vector(1, 0, 32);
  const suitesBytes = r.vector(2, 2);
  if (suitesBytes.length % 2 !== 0) throw fail('decode_error', 'odd cipher suite list');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suitesBytes.length; i += 2) cipherSuites.push((suitesBytes[i]! << 8) | suitesBytes[i + 1]!);
  const compression = r.vector(1, 1);
  const { map: extensions, order } = r.remaining === 0 ? { map: new Map() as Extensions, order: [] } : parseExtensions(r);
  r.end();
  const versionsData = extensions.get(EXT.supported_versions);
  const versions = versionsData ? u16List(versionsData, 1, 2) : [];
  // Section 4.1.2: a TLS 1.3 ClientHello has exactly one compression method, null.
  if (versions.includes(TLS13) && (compression.length !== 1 || compression[0] !== 0)) {
    throw fail('illegal_parameter', 'compression methods other than null');
  }
  const groups = extensions.has(EXT.supported_groups) ? u16List(extensions.get(EXT.supported_groups)!, 2, 2) : [];
  const keyShares = extensions.has(EXT.key_share) ? parseKeyShares(extensions.get(EXT.key_share)!) : null;
  const signatureSchemes = extensions.has(EXT.signature_algorithms) ? u16List(extensions.get(EXT.signature_algorithms)!, 2, 2) : null;
  const serverName = extensions.has(EXT.server_name) ? parseServerName(extensions.get(EXT.server_name)!) : null;
  const alpn = extensions.has(EXT.alpn) ? parseAlpn(extensions.get(EXT.alpn)!) : null;
  let pskModes: number[] = [];
  if (extensions.has(EXT.psk_key_exchange_modes)) {
    const m = new Reader(extensions.get(EXT.psk_key_exchange_modes)!);
    pskModes = [...m.vector(1, 1)];
    m.end();
  }
  let cookie: Uint8Array | null = null;
  if (extensions.has(EXT.cookie)) {
    const c = new Reader(extensions.get(EXT.cookie)!);
    cookie = c.vector(2, 1);
    c.end();
  }
  let psk: ClientHello['psk'] = null;
  if (extensions.has(EXT.pre_shared_key)) {
    // Section 4.2.11: pre_shared_key must be the last extension.
    if (order[order.length - 1] !== EXT.pre_shared_key) throw fail('illegal_parameter', 'pre_shared_key is not the last extension');
    const data = extensions.get(EXT.pre_shared_key)!;
    const p = new Reader(data);
    const ids = new Reader(p.vector(2, 7));
    const identities: PskIdentity[] = [];
    while (ids.remaining > 0) identities.push({ identity: ids.vector(2, 1), obfuscatedAge: ids.u32() });
    const bindersLength = p.remaining;
    const binderList = new Reader(p.vector(2, 33));
    p.end();
    const binders: Uint8Array[] = [];
    while (binderList.remaining > 0) binders.push(binderList.vector(1, 32));
    if (binders.length !== identities.length) throw fail('illegal_parameter', 'PSK identities and binders differ in number');
    psk = { identities, binders, bindersOffset: body.length - bindersLength };
  }
  return {
    random,
    sessionId,
    cipherSuites,
    extensions,
    versions,
    groups,
    keyShares,
    signatureSchemes,
    serverName,
    alpn,
    pskModes,
    psk,
    cookie,
    earlyData: extensions.has(EXT.early_data),
  };
}

export interface ServerHello {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  extensions: Extensions;
  isRetry: boolean;
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector(1, 0, 32);
  const cipherSuite = r.u16();
  const compression = r.u8();
  const { map: extensions } = parseExtensions(r, 6);
  r.end();
  if (legacyVersion !== LEGACY_VERSION) throw fail('protocol_version', 'ServerHello legacy_version is not 0x0303');
  if (compression !== 0) throw fail('illegal_parameter', 'ServerHello compression method not null');
  let isRetry = true;
  for (let i = 0; i < 32; i++) if (random[i] !== HRR_RANDOM[i]) isRetry = false;
  return { random, sessionId, cipherSuite, extensions, isRetry };
}

export function encodeServerHello(random: Uint8Array, sessionId: Uint8Array, suite: number, extensions: [number, Uint8Array][]): Uint8Array {
  const w = new Writer().u16(LEGACY_VERSION).bytes(random).vector(1, (s) => s.bytes(sessionId)).u16(suite).u8(0);
  writeExtensions(w, extensions);
  return handshakeMessage(HS.server_hello, w.finish());
}

export interface CertificateEntry {
  data: Uint8Array;
}

export function parseCertificateMessage(body: Uint8Array): { context: Uint8Array; entries: CertificateEntry[] } {
  const r = new Reader(body);
  const context = r.vector(1);
  const list = new Reader(r.vector(3));
  r.end();
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const data = list.vector(3, 1);
    const ext = new Reader(list.vector(2));
    // Entry extensions (OCSP, SCT) are accepted and not used.
    while (ext.remaining > 0) {
      ext.u16();
      ext.vector(2);
    }
    entries.push({ data });
  }
  return { context, entries };
}

export function encodeCertificateMessage(context: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer()
    .vector(1, (c) => c.bytes(context))
    .vector(3, (l) => {
      for (const cert of chain) l.vector(3, (c) => c.bytes(cert)).u16(0);
    });
  return handshakeMessage(HS.certificate, w.finish());
}

export function parseCertificateVerify(body: Uint8Array): { scheme: number; signature: Uint8Array } {
  const r = new Reader(body);
  const scheme = r.u16();
  const signature = r.vector(2, 1);
  r.end();
  return { scheme, signature };
}

export function encodeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  return handshakeMessage(HS.certificate_verify, new Writer().u16(scheme).vector(2, (s) => s.bytes(signature)).finish());
}

/** The content a CertificateVerify signs (section 4.4.3). */
export function certificateVerifyContent(server: boolean, transcriptHash: Uint8Array): Uint8Array {
  const label = server ? 'TLS 1.3, server CertificateVerify' : 'TLS 1.3, client CertificateVerify';
  const out = new Uint8Array(64 + label.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < label.length; i++) out[64 + i] = label.charCodeAt(i);
  out.set(transcriptHash, 64 + label.length + 1);
  return out;
}

export interface NewSessionTicket {
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
}

export function parseNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vector(1);
  const ticket = r.vector(2, 1);
  parseExtensions(r);
  r.end();
  return { lifetime, ageAdd, nonce, ticket };
}

export function encodeNewSessionTicket(t: NewSessionTicket): Uint8Array {
  const w = new Writer()
    .u32(t.lifetime)
    .u32(t.ageAdd)
    .vector(1, (n) => n.bytes(t.nonce))
    .vector(2, (n) => n.bytes(t.ticket))
    .u16(0);
  return handshakeMessage(HS.new_session_ticket, w.finish());
}
