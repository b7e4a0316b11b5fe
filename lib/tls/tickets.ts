/**
 * Stateless session tickets (RFC 8446 section 4.6.1, RFC 5077's idea): the
 * resumption state sealed under a key only this server holds, so resuming
 * needs no server-side table. The key comes from the Random device when the
 * server starts; tickets die with it.
 */
import { Reader, Writer, asciiBytes } from './bytes.ts';
import { AEAD_TAG_LENGTH, type AeadKey, type CryptoProvider } from './crypto-provider.ts';
import type { Random } from '../devices/random.ts';

export interface TicketState {
  suite: number;
  psk: Uint8Array;
  createdMs: number;
  lifetimeSeconds: number;
  ageAdd: number;
  alpn: string | null;
  serverName: string | null;
}

const NONCE = 12;
const AAD = asciiBytes('kiln tls13 ticket');

function text(s: string | null): Uint8Array {
  return asciiBytes(s ?? '');
}

export class TicketSealer {
  private readonly aead: AeadKey;

  constructor(
    crypto: CryptoProvider,
    private readonly random: Random,
  ) {
    const key = new Uint8Array(32);
    random.fill(key);
    this.aead = crypto.aead('aes-256-gcm', key);
  }

  seal(state: TicketState): Uint8Array {
    const plain = new Writer()
      .u16(state.suite)
      .u32(Math.floor(state.createdMs / 0x100000000))
      .u32(state.createdMs >>> 0)
      .u32(state.lifetimeSeconds)
      .u32(state.ageAdd)
      .vector(1, (w) => w.bytes(state.psk))
      .vector(1, (w) => w.bytes(text(state.alpn)))
      .vector(1, (w) => w.bytes(text(state.serverName)))
      .finish();
    const out = new Uint8Array(NONCE + plain.length + AEAD_TAG_LENGTH);
    const nonce = out.subarray(0, NONCE);
    this.random.fill(nonce);
    out.set(plain, NONCE);
    this.aead.sealInPlace(nonce, AAD, out.subarray(NONCE), plain.length);
    return out;
  }

  /** The state in a ticket, or null when the ticket is not one of ours (or was altered). */
  open(ticket: Uint8Array): TicketState | null {
    if (ticket.length <= NONCE) return null;
    const plain = this.aead.open(ticket.subarray(0, NONCE), AAD, ticket.subarray(NONCE));
    if (plain === null) return null;
    try {
      const r = new Reader(plain);
      const suite = r.u16();
      const createdMs = r.u32() * 0x100000000 + r.u32();
      const lifetimeSeconds = r.u32();
      const ageAdd = r.u32();
      const psk = r.vector(1);
      const alpn = String.fromCharCode(...r.vector(1));
      const serverName = String.fromCharCode(...r.vector(1));
      r.end();
      return { suite, psk, createdMs, lifetimeSeconds, ageAdd, alpn: alpn || null, serverName: serverName || null };
    } catch {
      return null;
    }
  }
}
