/**
 * A listener's half-open connections (SYN-RECEIVED) as compact records in
 * preallocated typed arrays, found by their 4-tuple through an
 * open-addressed hash table: a SYN that is answered with state costs no
 * object and no allocation, only a slot, until the handshake's ACK makes the
 * connection (as Linux's request sockets do, at a fraction of a socket's
 * size). The capacity is the SYN backlog; beyond it the layer answers with
 * SYN cookies.
 */

/** Bit in `flags`: the peer offered SACK. */
export const HALF_OPEN_SACK = 1;
/** Bit in `flags`: the peer sent timestamps (so ours are on). */
export const HALF_OPEN_TIMESTAMPS = 2;

const EMPTY = -1;

export class HalfOpenTable {
  /** Records in use. */
  count = 0;
  // One entry per record, indexed by record number.
  readonly localAddress: Uint32Array;
  readonly remoteAddress: Uint32Array;
  readonly localPort: Uint16Array;
  readonly remotePort: Uint16Array;
  /** The peer's ISN (IRS). */
  readonly irs: Uint32Array;
  /** Our ISN. */
  readonly iss: Uint32Array;
  /** The peer's MSS option, or -1. */
  readonly peerMss: Int32Array;
  /** The peer's window shift, or -1 when it offered no scaling. */
  readonly peerShift: Int8Array;
  /** HALF_OPEN_SACK | HALF_OPEN_TIMESTAMPS. */
  readonly flags: Uint8Array;
  /** The peer's latest timestamp (TS.Recent), echoed in our TSecr. */
  readonly tsRecent: Uint32Array;
  /** This 4-tuple's timestamp clock offset (RFC 7323 §5.4). */
  readonly tsOffset: Uint32Array;
  /** SYN-ACK retransmissions so far. */
  readonly retries: Uint8Array;
  /** When the first SYN-ACK left (an RTT sample if it was not retransmitted). */
  readonly sentAtMs: Float64Array;
  /** When the SYN-ACK is due again; Infinity for a free record. */
  readonly deadline: Float64Array;

  /** Hash buckets: a record number or EMPTY; linear probing. */
  private readonly buckets: Int32Array;
  private readonly mask: number;
  /** Free record numbers, a stack. */
  private readonly free: Int32Array;
  private freeTop: number;

  constructor(
    readonly capacity: number,
    /** A random 32-bit value, so that a peer cannot choose 4-tuples that share a bucket chain. */
    private readonly seed: number,
  ) {
    this.localAddress = new Uint32Array(capacity);
    this.remoteAddress = new Uint32Array(capacity);
    this.localPort = new Uint16Array(capacity);
    this.remotePort = new Uint16Array(capacity);
    this.irs = new Uint32Array(capacity);
    this.iss = new Uint32Array(capacity);
    this.peerMss = new Int32Array(capacity);
    this.peerShift = new Int8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.tsRecent = new Uint32Array(capacity);
    this.tsOffset = new Uint32Array(capacity);
    this.retries = new Uint8Array(capacity);
    this.sentAtMs = new Float64Array(capacity);
    this.deadline = new Float64Array(capacity).fill(Infinity);
    let size = 8;
    while (size < capacity * 2) size *= 2;
    this.buckets = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  get full(): boolean {
    return this.freeTop === 0;
  }

  /** The record for this 4-tuple, or -1. */
  find(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    const b = this.buckets;
    for (let i = this.bucketOf(localAddress, localPort, remoteAddress, remotePort), n = 0; n <= this.mask; i = (i + 1) & this.mask, n++) {
      const r = b[i]!;
      if (r === EMPTY) return -1;
      if (this.remotePort[r] === remotePort && this.remoteAddress[r] === remoteAddress && this.localPort[r] === localPort && this.localAddress[r] === localAddress) return r;
    }
    return -1;
  }

  /** A new record for this 4-tuple (not in the table), its fields for the caller to fill; -1 when full. */
  add(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    if (this.freeTop === 0) return -1;
    const r = this.free[--this.freeTop]!;
    this.localAddress[r] = localAddress;
    this.localPort[r] = localPort;
    this.remoteAddress[r] = remoteAddress;
    this.remotePort[r] = remotePort;
    this.retries[r] = 0;
    let i = this.bucketOf(localAddress, localPort, remoteAddress, remotePort);
    while (this.buckets[i] !== EMPTY) i = (i + 1) & this.mask;
    this.buckets[i] = r;
    this.count++;
    return r;
  }

  /** Frees record `r`; the chains it sat in are closed up (backward-shift deletion), so no tombstones pile up. */
  remove(r: number): void {
    const b = this.buckets;
    const mask = this.mask;
    let i = this.bucketOf(this.localAddress[r]!, this.localPort[r]!, this.remoteAddress[r]!, this.remotePort[r]!);
    while (b[i] !== r) i = (i + 1) & mask;
    // Move later entries of the chain back into the gap when their home bucket is at or before it.
    for (let j = (i + 1) & mask; b[j] !== EMPTY; j = (j + 1) & mask) {
      const s = b[j]!;
      const home = this.bucketOf(this.localAddress[s]!, this.localPort[s]!, this.remoteAddress[s]!, this.remotePort[s]!);
      if (((j - home) & mask) >= ((j - i) & mask)) {
        b[i] = s;
        i = j;
      }
    }
    b[i] = EMPTY;
    this.deadline[r] = Infinity;
    this.free[this.freeTop++] = r;
    this.count--;
  }

  /** The bucket a 4-tuple hashes to: a multiplicative mix of its words with the seed. */
  private bucketOf(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    let h = Math.imul(remoteAddress ^ this.seed, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 15) ^ ((remotePort << 16) | localPort), 0x85ebca77);
    h = Math.imul(h ^ (h >>> 13) ^ localAddress, 0xc2b2ae3d);
    return (h ^ (h >>> 16)) & this.mask;
  }
}
