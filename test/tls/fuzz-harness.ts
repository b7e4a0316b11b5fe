/**
 * Mutation fuzzing of the TLS engine: real messages from a real client,
 * mutated (bit flips, byte values, truncation, insertion, length fields,
 * splices) and fed to a server engine, whole or in pieces. Every outcome
 * must be a completed handshake, a wait for more bytes, or a `TlsError`
 * with a specific alert: an `internal_error` means an exception escaped a
 * parser, which is a bug.
 */
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { HS, handshakeMessage } from '../../lib/tls/messages.ts';
import { plainRecord } from '../../lib/tls/record.ts';
import { TlsServerContext, tlsClientConnection, type TlsConnection, type TlsSession } from '../../lib/tls/index.ts';
import type { CertifiedKey } from '../../lib/tls/config.ts';
import type { Certificate } from '../../lib/tls/x509/certificate.ts';
import { pumpEngines } from '../support/tls-pump.ts';

export interface FuzzReport {
  cases: number;
  outcomes: Record<string, number>;
  /** Cases whose error was internal_error, with the message, for diagnosis. */
  internal: string[];
}

class Mutator {
  constructor(private readonly rng: SeededRandom) {}

  int(n: number): number {
    return this.rng.nextU32() % n;
  }

  mutate(input: Uint8Array): Uint8Array {
    let b: Uint8Array = Uint8Array.from(input);
    const rounds = 1 + this.int(4);
    for (let r = 0; r < rounds; r++) {
      if (b.length === 0) b = Uint8Array.of(this.int(256));
      const at = this.int(b.length);
      switch (this.int(8)) {
        case 0:
          b[at]! ^= 1 << this.int(8);
          break;
        case 1:
          b[at] = [0, 0xff, 0x7f, 0x80, 1][this.int(5)]!;
          break;
        case 2:
          b[at] = this.int(256);
          break;
        case 3:
          b = b.subarray(0, at);
          break;
        case 4: {
          const extra = new Uint8Array(1 + this.int(16));
          this.rng.fill(extra);
          b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
          break;
        }
        case 5: {
          // A plausible length field made wrong: a 16-bit value nudged.
          if (at + 1 < b.length) {
            const v = ((b[at]! << 8) | b[at + 1]!) + [1, -1, 2, -2, 0x100, -0x100][this.int(6)]!;
            b[at] = (v >>> 8) & 0xff;
            b[at + 1] = v & 0xff;
          }
          break;
        }
        case 6: {
          // Remove a region.
          const end = Math.min(b.length, at + 1 + this.int(32));
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(end)]);
          break;
        }
        default: {
          // Repeat a region (duplicated extensions, list entries).
          const end = Math.min(b.length, at + 1 + this.int(40));
          b = Uint8Array.from([...b.subarray(0, end), ...b.subarray(at, end), ...b.subarray(end)]);
        }
      }
    }
    return b;
  }

  /** Feeds `bytes` whole or in random pieces. */
  feed(conn: TlsConnection, bytes: Uint8Array): void {
    if (this.int(3) !== 0) return conn.receive(bytes);
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + this.int(64);
      conn.receive(bytes.subarray(at, at + n));
      at += n;
    }
  }
}

/** Yields to the event loop now and then, so a long run does not starve timers and I/O. */
const YIELD_EVERY = 2000;
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0));

export async function runFuzz(options: { seed: number; cases: number; certificate: CertifiedKey; roots: readonly Certificate[] }): Promise<FuzzReport> {
  const rng = new SeededRandom(options.seed);
  const m = new Mutator(rng);
  const base = { crypto: nodeCryptoProvider, random: rng, nowMs: () => Date.now() };
  const server = new TlsServerContext({ ...base, certificates: [options.certificate], alpnProtocols: ['http/1.1'] });
  const report: FuzzReport = { cases: 0, outcomes: {}, internal: [] };
  const count = (conn: TlsConnection) => {
    const key = conn.error ? conn.error.code : conn.handshakeComplete ? 'completed' : 'waiting';
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
    if (conn.error?.code === 'internal_error' && report.internal.length < 20) report.internal.push(conn.error.message);
    report.cases++;
  };

  // Seeds: ClientHellos of several shapes, one with a PSK.
  const sessions: TlsSession[] = [];
  const client = (extra: object) => tlsClientConnection({ ...base, serverName: 'localhost', trustAnchors: options.roots, ...extra });
  const first = client({ onSession: (s: TlsSession) => sessions.push(s), alpnProtocols: ['http/1.1'] });
  pumpEngines(first, server.accept());
  const hellos = [
    client({}).takeOutput()!,
    client({ alpnProtocols: ['h2', 'http/1.1'], keyShareGroups: ['x25519', 'p256'] }).takeOutput()!,
    client({ groups: ['p256'], cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }).takeOutput()!,
    client({ session: sessions[0], alpnProtocols: ['http/1.1'] }).takeOutput()!,
  ];

  const handshakeCases = Math.floor(options.cases / 2);
  for (let i = 0; i < handshakeCases; i++) {
    if (i % YIELD_EVERY === 0) await breathe();
    const conn = server.accept();
    const seed = hellos[m.int(hellos.length)]!;
    // Mutate the record as sent, or the handshake message inside a well-formed record.
    const bytes = m.int(2) === 0 ? m.mutate(seed) : plainRecord(22, m.mutate(seed.subarray(5)));
    m.feed(conn, bytes);
    count(conn);
  }

  // Post-handshake: an established connection receives mutated handshake messages, alerts and data, properly encrypted.
  const postSeeds = [
    handshakeMessage(HS.key_update, Uint8Array.of(1)),
    handshakeMessage(HS.key_update, Uint8Array.of(0)),
    handshakeMessage(HS.new_session_ticket, new Uint8Array(20)),
    handshakeMessage(HS.finished, new Uint8Array(32)),
    handshakeMessage(HS.certificate, Uint8Array.of(0, 0, 0, 0)),
  ];
  for (let i = handshakeCases; i < options.cases; ) {
    if (i % YIELD_EVERY < 20) await breathe();
    // Resumed connections: established without certificate checks, to keep the cost per case down.
    const c = client({ session: sessions[1] ?? sessions[0] });
    const s = server.accept();
    pumpEngines(c, s);
    s.takeOutput();
    // Cases follow on one connection while it stays open.
    for (let k = 0; k < 200 && i < options.cases && !s.error; k++, i++) {
      const kind = m.int(4);
      if (kind === 0) c.sendHandshake(m.mutate(postSeeds[m.int(postSeeds.length)]!));
      else if (kind <= 2) c.write(m.mutate(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')));
      else {
        c.write(Uint8Array.of(1));
        const record = c.takeOutput()!;
        m.feed(s, m.mutate(record));
        count(s);
        continue;
      }
      const out = c.takeOutput();
      if (out) m.feed(s, out);
      s.takeReceived();
      count(s);
    }
  }
  return report;
}
