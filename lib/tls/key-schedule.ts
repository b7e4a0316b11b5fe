/**
 * The TLS 1.3 key schedule (RFC 8446 section 7.1) and traffic keys
 * (section 7.3), over the provider's HKDF.
 */
import type { CryptoProvider } from './crypto-provider.ts';
import { Writer, asciiBytes } from './bytes.ts';
import type { CipherSuite } from './suites.ts';

const EMPTY = new Uint8Array(0);

/** "tls13 " + label as bytes, made once per label (a handshake expands a dozen). */
const LABELS = new Map<string, Uint8Array>();
function labelBytes(label: string): Uint8Array {
  let bytes = LABELS.get(label);
  if (!bytes) {
    bytes = asciiBytes('tls13 ' + label);
    LABELS.set(label, bytes);
  }
  return bytes;
}

/** A stage's secret and the two traffic secrets derived from it. */
export interface StageSecrets {
  secret: Uint8Array;
  client: Uint8Array;
  server: Uint8Array;
}

export class KeySchedule {
  constructor(
    readonly crypto: CryptoProvider,
    readonly suite: CipherSuite,
  ) {}

  /** HKDF-Expand-Label (section 7.1). */
  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    const info = new Writer()
      .u16(length)
      .vector(1, (w) => w.bytes(labelBytes(label)))
      .vector(1, (w) => w.bytes(context))
      .finish();
    return this.crypto.hkdfExpand(this.suite.hash, secret, info, length);
  }

  /** Derive-Secret with the transcript hash already computed. */
  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(secret, label, transcriptHash, this.suite.hashLength);
  }

  extract(salt: Uint8Array, ikm: Uint8Array | null): Uint8Array {
    return this.crypto.hkdfExtract(this.suite.hash, salt, ikm ?? new Uint8Array(this.suite.hashLength));
  }

  hash(data: Uint8Array): Uint8Array {
    return this.crypto.hash(this.suite.hash, data);
  }

  get emptyHash(): Uint8Array {
    return this.hash(EMPTY);
  }

  /** Early Secret from a PSK, or from zeros without one. */
  earlySecret(psk: Uint8Array | null): Uint8Array {
    return this.extract(EMPTY, psk);
  }

  /** The secret after `derived` from `previous`, extracted with `ikm`. */
  nextStage(previous: Uint8Array, ikm: Uint8Array | null): Uint8Array {
    return this.extract(this.deriveSecret(previous, 'derived', this.emptyHash), ikm);
  }

  /**
   * One stage of section 7.1's schedule: the stage's secret (Handshake
   * Secret from the Early Secret of `psk` and the (EC)DHE `shared` secret;
   * Master Secret from the Handshake Secret), then both sides' traffic
   * secrets over `transcriptHash` (through ServerHello, or through the
   * server's Finished).
   */
  private stage(previous: Uint8Array, ikm: Uint8Array | null, transcriptHash: Uint8Array, kind: 'hs' | 'ap'): StageSecrets {
    const secret = this.nextStage(previous, ikm);
    return {
      secret,
      client: this.deriveSecret(secret, `c ${kind} traffic`, transcriptHash),
      server: this.deriveSecret(secret, `s ${kind} traffic`, transcriptHash),
    };
  }

  /** Handshake Secret and both handshake traffic secrets. */
  handshakeSecrets(psk: Uint8Array | null, shared: Uint8Array | null, helloHash: Uint8Array): StageSecrets {
    return this.stage(this.earlySecret(psk), shared, helloHash, 'hs');
  }

  /** Master Secret and both application traffic secrets. */
  applicationSecrets(handshakeSecret: Uint8Array, finishedHash: Uint8Array): StageSecrets {
    return this.stage(handshakeSecret, null, finishedHash, 'ap');
  }

  /** The binder key of a resumption PSK (section 4.2.11.2). */
  binderKey(psk: Uint8Array): Uint8Array {
    return this.deriveSecret(this.earlySecret(psk), 'res binder', this.emptyHash);
  }

  finishedKey(baseKey: Uint8Array): Uint8Array {
    return this.expandLabel(baseKey, 'finished', EMPTY, this.suite.hashLength);
  }

  /** verify_data of a Finished message (section 4.4.4). */
  finishedMac(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    return this.crypto.hmac(this.suite.hash, this.finishedKey(baseKey), transcriptHash);
  }

  /** The next traffic secret after a KeyUpdate (section 7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, 'traffic upd', EMPTY, this.suite.hashLength);
  }

  trafficKey(secret: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
    return { key: this.expandLabel(secret, 'key', EMPTY, this.suite.keyLength), iv: this.expandLabel(secret, 'iv', EMPTY, 12) };
  }

  /** The PSK a NewSessionTicket stands for (section 4.6.1). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return this.expandLabel(resumptionMasterSecret, 'resumption', ticketNonce, this.suite.hashLength);
  }
}
