/**
 * A TLS 1.3 connection without I/O: bytes from the peer go in with
 * `receive`, bytes for the peer come out of `takeOutput`, application data
 * comes out of `takeReceived`. The record layer, alerts, KeyUpdate and
 * close_notify are here; the handshake itself is a `HandshakeDriver`
 * (server-handshake.ts, client-handshake.ts).
 *
 * Nothing is thrown out of `receive`: a failure is recorded in `error`, the
 * alert is queued in the output, and the connection stops.
 */
import { ALERTS, TlsError, alertName, fail, type AlertName } from './alert.ts';
import { Reader, concatBytes } from './bytes.ts';
import type { CryptoProvider } from './crypto-provider.ts';
import { KeySchedule } from './key-schedule.ts';
import { HS, handshakeMessage } from './messages.ts';
import {
  CONTENT_ALERT,
  CONTENT_APPLICATION_DATA,
  CONTENT_CHANGE_CIPHER_SPEC,
  CONTENT_HANDSHAKE,
  CONTENT_OFFSET,
  MAX_PLAINTEXT,
  RECORD_CAPACITY,
  RecordProtection,
  type RawRecord,
  RecordReader,
  plainRecord,
} from './record.ts';
import type { CipherSuite } from './suites.ts';

/** Largest handshake message accepted (a certificate chain is the largest; 64 KiB is generous). */
const MAX_HANDSHAKE_MESSAGE = 1 << 16;
/** Bytes of undecryptable early data a server skips before giving up (RFC 8446 section 4.2.10). */
const MAX_SKIPPED_EARLY_DATA = 1 << 16;
/** Records under one key before this side moves to the next (well under AES-GCM's 2^24.5, section 5.5). */
const RECORDS_PER_KEY = 1 << 23;

export interface HandshakeDriver {
  /** Called once when the connection starts (the client sends its ClientHello here). */
  start(): void;
  /** One whole handshake message: its type, body, and the message with its header (for the transcript). */
  handle(type: number, body: Uint8Array, message: Uint8Array): void;
}

/** What a finished handshake settled. */
export interface HandshakeResult {
  suite: CipherSuite;
  alpn: string | null;
  serverName: string | null;
  resumed: boolean;
  group: string | null;
}

export class TlsConnection {
  private readonly reader = new RecordReader();
  private output: Uint8Array[] = [];
  private outputBytes = 0;
  /** The application data record being filled by `write`: content from CONTENT_OFFSET, sealed when full or flushed. */
  private filling: Uint8Array | null = null;
  private filled = 0;
  private received: Uint8Array[] = [];
  /** The bytes the last `receive` took (the reader holds them too). */
  private receiving: Uint8Array = new Uint8Array(0);
  private handshakeBuffer: Uint8Array = new Uint8Array(0);
  private readProtection: RecordProtection | null = null;
  private writeProtection: RecordProtection | null = null;
  private readSecret: Uint8Array | null = null;
  private writeSecret: Uint8Array | null = null;
  private keySchedule: KeySchedule | null = null;
  private driver: HandshakeDriver | null = null;
  private skipEarlyData = 0;
  private started = false;
  private handshakeMessagesIn = 0;

  /** Set once the handshake completed; application data flows from then on. */
  result: HandshakeResult | null = null;
  /** Set when the connection failed (alert sent or received). */
  error: TlsError | null = null;
  /** The peer sent close_notify: no more data will come. */
  peerClosed = false;
  /** This side sent close_notify: no more data may be written. */
  closed = false;
  /** Counters, for tests and for the operator. */
  readonly counters = { recordsIn: 0, recordsOut: 0, keyUpdatesIn: 0, keyUpdatesOut: 0 };

  constructor(
    readonly crypto: CryptoProvider,
    readonly isServer: boolean,
    /** Record padding: the inner plaintext of application data is padded to a multiple of this (0: none). */
    private readonly padTo = 0,
  ) {}

  /** Attaches the handshake; called once by the factory functions. */
  attach(driver: HandshakeDriver): void {
    this.driver = driver;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.guard(() => this.driver!.start());
  }

  get handshakeComplete(): boolean {
    return this.result !== null;
  }

  /** Whether this side may still write application data. */
  get writable(): boolean {
    return this.result !== null && !this.closed && this.error === null;
  }

  // ---- input ----

  /** Takes bytes from the peer; `data` becomes the connection's (records are decrypted in it, application data handed out as views of it). */
  receive(data: Uint8Array): void {
    if (this.error || !this.started) return;
    this.guard(() => {
      this.reader.push(data);
      this.receiving = data;
      for (let record = this.reader.next(); record; record = this.error ? null : this.reader.next()) {
        this.counters.recordsIn++;
        this.onRecord(record);
        if (this.peerClosed) break;
      }
    });
  }

  private onRecord(record: RawRecord): void {
    const { type, body } = record;
    if (type === CONTENT_CHANGE_CIPHER_SPEC) {
      // Middlebox compatibility (RFC 8446 section 5 and appendix D.4): one byte 0x01, after the first
      // ClientHello and before the handshake ends, dropped.
      const beforeHello = this.isServer && this.handshakeMessagesIn === 0;
      if (this.result !== null || beforeHello || body.length !== 1 || body[0] !== 1) throw fail('unexpected_message', 'change_cipher_spec outside the handshake');
      return;
    }
    if (this.peerClosed) throw fail('unexpected_message', 'data after close_notify');
    if (this.readProtection === null) {
      if (type === CONTENT_APPLICATION_DATA) {
        // Early data, or records after a HelloRetryRequest, that a server skips (section 4.2.10).
        if (this.isServer && this.skipEarlyData > 0) return this.skipped(body.length);
        throw fail('unexpected_message', 'application data before the handshake');
      }
      return this.onContent(type, body);
    }
    if (type !== CONTENT_APPLICATION_DATA) {
      // A peer that could not set up its keys may still send its alert in the clear.
      if (type === CONTENT_ALERT && this.result === null) return this.onContent(type, body);
      throw fail('unexpected_message', 'unprotected record after keys were set');
    }
    const opened = this.readProtection.open(record);
    if (opened === null) {
      if (this.isServer && this.skipEarlyData > 0) return this.skipped(body.length);
      throw fail('bad_record_mac', 'record failed authentication');
    }
    this.skipEarlyData = 0;
    if (opened.type === CONTENT_CHANGE_CIPHER_SPEC) throw fail('unexpected_message', 'protected change_cipher_spec');
    this.onContent(opened.type, opened.content);
  }

  private skipped(n: number): void {
    this.skipEarlyData -= n;
    if (this.skipEarlyData <= 0) throw fail('unexpected_message', 'too much early data to skip');
  }

  private onContent(type: number, content: Uint8Array): void {
    if (type === CONTENT_ALERT) return this.onAlert(content);
    if (type === CONTENT_HANDSHAKE) return this.onHandshakeBytes(content);
    if (type === CONTENT_APPLICATION_DATA) {
      if (this.result === null) throw fail('unexpected_message', 'application data before the handshake finished');
      // Decrypted content is the connection's (opened in the received bytes it owns, or new memory): no copy needed.
      if (content.length > 0) this.keepReceived(content);
      return;
    }
    throw fail('unexpected_message', `record of type ${type}`);
  }

  /**
   * Queues received content for `takeReceived`. Records opened in place in
   * one received buffer are joined there: the content is moved back over the
   * spent header and tag bytes to follow the previous record's, so a read of
   * many records hands out one chunk with no copy into new memory.
   */
  private keepReceived(content: Uint8Array): void {
    const r = this.received;
    const last = r.length > 0 ? r[r.length - 1]! : null;
    const gap = last !== null && this.inReceiving(last) && this.inReceiving(content) ? content.byteOffset - (last.byteOffset + last.length) : -1;
    if (gap < 0) {
      r.push(content);
      return;
    }
    const span = new Uint8Array(last!.buffer, last!.byteOffset, last!.length + gap + content.length);
    if (gap > 0) span.copyWithin(last!.length, last!.length + gap);
    r[r.length - 1] = span.subarray(0, last!.length + content.length);
  }

  /** Whether `part` lies in the bytes `receive` is taking (the connection's own: anything there not yet handed out is spent). */
  private inReceiving(part: Uint8Array): boolean {
    const d = this.receiving;
    return part.buffer === d.buffer && part.byteOffset >= d.byteOffset && part.byteOffset + part.length <= d.byteOffset + d.length;
  }

  private onAlert(content: Uint8Array): void {
    if (content.length !== 2) throw fail('decode_error', 'alert record is not two bytes');
    const code = content[1]!;
    if (code === ALERTS.close_notify) {
      this.peerClosed = true;
      return;
    }
    // user_canceled is a warning that is followed by close_notify (section 6.1).
    if (code === ALERTS.user_canceled) return;
    const name = alertName(code);
    this.stop(new TlsError(name ?? 'unknown_alert', `the peer sent alert ${name ?? code}`, false));
  }

  private onHandshakeBytes(content: Uint8Array): void {
    if (content.length === 0) throw fail('unexpected_message', 'empty handshake record');
    this.handshakeBuffer = this.handshakeBuffer.length === 0 ? Uint8Array.from(content) : concatBytes([this.handshakeBuffer, content]);
    while (this.handshakeBuffer.length >= 4 && this.error === null) {
      const b = this.handshakeBuffer;
      const length = (b[1]! << 16) | (b[2]! << 8) | b[3]!;
      if (length > MAX_HANDSHAKE_MESSAGE) throw fail('decode_error', `handshake message of ${length} bytes`);
      if (b.length < 4 + length) break;
      const message = b.subarray(0, 4 + length);
      this.handshakeBuffer = b.subarray(4 + length);
      this.handshakeMessagesIn++;
      if (this.result === null) this.driver!.handle(b[0]!, message.subarray(4), message);
      else this.onPostHandshake(b[0]!, message.subarray(4));
    }
    if (this.handshakeBuffer.length > 0 && this.handshakeBuffer.length < 4 + MAX_HANDSHAKE_MESSAGE) {
      this.handshakeBuffer = Uint8Array.from(this.handshakeBuffer);
    }
  }

  private onPostHandshake(type: number, body: Uint8Array): void {
    if (type === HS.key_update) {
      const r = new Reader(body);
      const requested = r.u8();
      r.end();
      if (requested > 1) throw fail('illegal_parameter', 'bad KeyUpdate value');
      // A key change must sit at a record boundary (section 5.1).
      if (this.handshakeBuffer.length > 0) throw fail('unexpected_message', 'KeyUpdate not at the end of its record');
      this.counters.keyUpdatesIn++;
      this.setReadSecret(this.schedule.nextTrafficSecret(this.readSecret!));
      if (requested === 1 && !this.closed) this.sendKeyUpdate(false);
      return;
    }
    this.driver!.handle(type, body, handshakeMessage(type, body));
  }

  // ---- output ----

  /** Everything queued for the peer since the last call, as one buffer, or null; application data written so far is sealed first. */
  takeOutput(): Uint8Array | null {
    this.sealFilling();
    if (this.output.length === 0) return null;
    const out = this.output.length === 1 ? this.output[0]! : concatBytes(this.output);
    this.output = [];
    this.outputBytes = 0;
    return out;
  }

  /** Bytes written or queued that `takeOutput` has not handed out yet. */
  get unsentBytes(): number {
    return this.outputBytes + this.filled;
  }

  private queue(record: Uint8Array): void {
    this.output.push(record);
    this.outputBytes += record.length;
    this.counters.recordsOut++;
  }

  /** Application data received since the last call. */
  takeReceived(): Uint8Array[] {
    const r = this.received;
    this.received = [];
    return r;
  }

  /**
   * Encrypts `data` as application data. Bytes are copied once, into the
   * record they travel in; full records (2^14 bytes) are sealed at once, a
   * partial one when output is taken, so small writes made before then
   * share records. Throws `TlsError('closed')` when not writable.
   */
  write(data: Uint8Array): void {
    if (!this.writable) throw this.error ?? new TlsError('closed', this.closed ? 'write after close' : 'write before the handshake');
    for (let at = 0; at < data.length; ) {
      this.filling ??= new Uint8Array(RECORD_CAPACITY);
      const n = Math.min(MAX_PLAINTEXT - this.filled, data.length - at);
      this.filling.set(n === data.length ? data : data.subarray(at, at + n), CONTENT_OFFSET + this.filled);
      this.filled += n;
      at += n;
      if (this.filled === MAX_PLAINTEXT) this.sealFilling();
    }
  }

  /** Seals the application data record being filled, if any, ahead of anything queued after it. */
  private sealFilling(): void {
    const record = this.filling;
    const length = this.filled;
    if (record === null || length === 0) return;
    this.filling = null;
    this.filled = 0;
    if (this.writeProtection!.sequence >= RECORDS_PER_KEY) this.sendKeyUpdate(false);
    const padding = this.padTo > 1 ? Math.min((this.padTo - ((length + 1) % this.padTo)) % this.padTo, MAX_PLAINTEXT - length) : 0;
    const sealed = this.writeProtection!.sealBuilt(CONTENT_APPLICATION_DATA, record, length, padding);
    // A short record is copied out, not kept alive in a buffer sized for the largest.
    this.queue(sealed.length < RECORD_CAPACITY / 4 ? sealed.slice() : sealed);
  }

  /** Sends close_notify; reading goes on until the peer's. */
  close(): void {
    if (this.closed || this.error) return;
    this.closed = true;
    this.sendAlert('close_notify');
  }

  /** Moves this side to the next traffic key, and asks the peer to do the same when `requestPeer`. */
  updateKeys(requestPeer: boolean): void {
    if (!this.writable) throw this.error ?? new TlsError('closed', 'KeyUpdate on a connection that is not open');
    this.sendKeyUpdate(requestPeer);
  }

  private sendKeyUpdate(requestPeer: boolean): void {
    this.sendHandshake(handshakeMessage(HS.key_update, Uint8Array.of(requestPeer ? 1 : 0)));
    this.counters.keyUpdatesOut++;
    this.setWriteSecret(this.schedule.nextTrafficSecret(this.writeSecret!));
  }

  // ---- for the handshake drivers ----

  get schedule(): KeySchedule {
    if (!this.keySchedule) throw fail('internal_error', 'no cipher suite yet');
    return this.keySchedule;
  }

  setSuite(suite: CipherSuite): void {
    this.keySchedule = new KeySchedule(this.crypto, suite);
  }

  sendHandshake(message: Uint8Array): void {
    this.sealFilling();
    const w = this.writeProtection;
    for (let at = 0; at < message.length; at += MAX_PLAINTEXT) {
      const fragment = message.subarray(at, Math.min(message.length, at + MAX_PLAINTEXT));
      this.queue(w === null ? plainRecord(CONTENT_HANDSHAKE, fragment) : w.seal(CONTENT_HANDSHAKE, fragment));
    }
  }

  sendChangeCipherSpec(): void {
    this.queue(plainRecord(CONTENT_CHANGE_CIPHER_SPEC, Uint8Array.of(1)));
  }

  setReadSecret(secret: Uint8Array): void {
    // Handshake messages may not span a key change (section 5.1).
    if (this.handshakeBuffer.length > 0) throw fail('unexpected_message', 'handshake message spans a key change');
    this.readSecret = secret;
    const { key, iv } = this.schedule.trafficKey(secret);
    this.readProtection = new RecordProtection(this.crypto.aead(this.schedule.suite.aead, key), iv);
  }

  setWriteSecret(secret: Uint8Array): void {
    this.writeSecret = secret;
    const { key, iv } = this.schedule.trafficKey(secret);
    this.writeProtection = new RecordProtection(this.crypto.aead(this.schedule.suite.aead, key), iv);
  }

  /** The server skips early data it will not accept, up to a limit. */
  expectSkippedEarlyData(): void {
    this.skipEarlyData = MAX_SKIPPED_EARLY_DATA;
  }

  complete(result: HandshakeResult): void {
    this.result = result;
  }

  // ---- failure ----

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.stop(err instanceof TlsError ? err : new TlsError('internal_error', `internal error: ${String(err)}`));
    }
  }

  private stop(err: TlsError): void {
    if (this.error) return;
    this.error = err;
    this.filling = null;
    this.filled = 0;
    if (err.sent && err.code !== 'closed' && err.code !== 'unknown_alert') {
      try {
        this.sendAlert(err.code);
      } catch {
        // The alert is a courtesy; failing to build it changes nothing.
      }
    }
    this.received = [];
  }

  private sendAlert(name: AlertName): void {
    // Data written before a close_notify goes before it; a fatal alert drops it (stop() cleared it).
    this.sealFilling();
    const body = Uint8Array.of(name === 'close_notify' || name === 'user_canceled' ? 1 : 2, ALERTS[name]);
    this.queue(this.writeProtection === null ? plainRecord(CONTENT_ALERT, body) : this.writeProtection.seal(CONTENT_ALERT, body));
  }
}
