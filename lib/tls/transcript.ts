/** The handshake transcript (RFC 8446 section 4.4.1): the messages so far, hashed on demand. */
import { concatBytes } from './bytes.ts';
import type { KeySchedule } from './key-schedule.ts';
import { HS, handshakeMessage } from './messages.ts';

export class Transcript {
  private messages: Uint8Array[] = [];

  add(message: Uint8Array): void {
    this.messages.push(message);
  }

  /** Transcript-Hash of the messages so far, followed by `extra` (a truncated ClientHello for binders). */
  hash(ks: KeySchedule, extra?: Uint8Array): Uint8Array {
    return ks.hash(concatBytes(extra ? [...this.messages, extra] : this.messages));
  }

  /**
   * After a HelloRetryRequest the first ClientHello is replaced by a
   * synthetic message_hash message holding its hash (section 4.4.1).
   */
  replaceFirstWithMessageHash(ks: KeySchedule): void {
    const first = ks.hash(this.messages[0]!);
    this.messages = [handshakeMessage(HS.message_hash, first), ...this.messages.slice(1)];
  }
}
