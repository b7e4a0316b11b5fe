/**
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815) with limits: concurrent
 * datagrams, fragments per datagram, bytes held in all, and a timeout
 * (RFC 1122 §3.3.2 suggests 60-120 s; Linux uses 30 s). A fragment that
 * overlaps another without being an exact duplicate discards the whole
 * datagram (overlap attacks, as RFC 5722 decides for IPv6).
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import { readU16, writeU16 } from '../wire/bytes.ts';
import { checksum } from '../wire/checksum.ts';
import { FLAG_DONT_FRAGMENT, IPV4_MAX_TOTAL_LEN, Ipv4View } from '../wire/ipv4.ts';
import type { LayerCounters } from './counters.ts';

export interface ReassemblyOptions {
  /** Datagrams being reassembled at once (default 16). */
  maxDatagrams?: number;
  /** Fragments per datagram (default 128: a 64 KB datagram over a 576-byte MTU needs 119). */
  maxFragments?: number;
  /** Bytes of fragment data held in all (default 512 KB). */
  maxBytes?: number;
  /** Milliseconds to wait for the missing fragments (default 30 s). */
  timeoutMs?: number;
}

interface Fragment {
  offset: number;
  data: Uint8Array;
}

interface Partial {
  src: number;
  dst: number;
  protocol: number;
  id: number;
  fragments: Fragment[];
  received: number;
  /** Payload length, known once the last fragment (MF clear) arrived; -1 before. */
  total: number;
  /** The first fragment's header and its first 8 data bytes (for ICMP time exceeded), once it arrived. */
  firstHeader: Uint8Array | null;
  timer: Timer;
}

export class Reassembler {
  private readonly partials: Partial[] = [];
  private heldBytes = 0;
  private readonly maxDatagrams: number;
  private readonly maxFragments: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly out = new Ipv4View();

  /** `onTimeout` receives the first fragment's header and 8 data bytes, when it arrived in time. */
  constructor(
    private readonly clock: Clock,
    private readonly counters: LayerCounters,
    private readonly onTimeout: (firstHeader: Uint8Array) => void,
    options: ReassemblyOptions = {},
  ) {
    this.maxDatagrams = options.maxDatagrams ?? 16;
    this.maxFragments = options.maxFragments ?? 128;
    this.maxBytes = options.maxBytes ?? 512 * 1024;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Datagrams waiting for fragments, and bytes held (for tests and memory bounds). */
  get pending(): { datagrams: number; bytes: number } {
    return { datagrams: this.partials.length, bytes: this.heldBytes };
  }

  /**
   * Takes one fragment (a valid IPv4 packet with MF set or a non-zero
   * offset). Returns a view of the whole datagram when this fragment
   * completed it, else null. The view is valid until the next call.
   */
  add(ip: Ipv4View): Ipv4View | null {
    const offset = ip.fragmentOffset;
    const length = ip.payloadEnd - ip.payloadStart;
    const more = ip.moreFragments;
    if (more && (length === 0 || length % 8 !== 0)) return this.refuse('fragment-length');
    if (ip.headerLength + offset + length > IPV4_MAX_TOTAL_LEN) return this.refuse('fragment-too-big');

    let p = this.find(ip);
    if (!p) {
      if (this.partials.length >= this.maxDatagrams) return this.refuse('reassembly-full');
      p = this.create(ip);
    }
    if (this.heldBytes + length > this.maxBytes) return this.refuse('reassembly-full');
    if (p.fragments.length >= this.maxFragments) return this.refuse('too-many-fragments');

    const end = offset + length;
    if (!more) {
      if ((p.total >= 0 && p.total !== end) || p.fragments.some((f) => f.offset + f.data.length > end)) {
        return this.discard(p, 'fragment-overlap');
      }
      p.total = end;
    } else if (p.total >= 0 && end > p.total) {
      return this.discard(p, 'fragment-overlap');
    }
    for (const f of p.fragments) {
      const fEnd = f.offset + f.data.length;
      if (f.offset === offset && fEnd === end) {
        this.counters.add('rx.fragment-duplicate');
        return null;
      }
      if (offset < fEnd && f.offset < end) return this.discard(p, 'fragment-overlap');
    }

    p.fragments.push({ offset, data: ip.bytes.slice(ip.payloadStart, ip.payloadEnd) });
    p.received += length;
    this.heldBytes += length;
    if (offset === 0) p.firstHeader = ip.bytes.slice(ip.start, Math.min(ip.payloadStart + 8, ip.payloadEnd));
    this.counters.add('rx.fragments');
    if (p.total < 0 || p.received !== p.total || !p.firstHeader) return null;
    return this.assemble(p);
  }

  /** Drops every partial datagram and its timer. */
  clear(): void {
    for (const p of [...this.partials]) this.remove(p);
  }

  private find(ip: Ipv4View): Partial | undefined {
    const src = ip.source;
    const dst = ip.destination;
    const protocol = ip.protocol;
    const id = ip.identification;
    return this.partials.find((p) => p.id === id && p.src === src && p.dst === dst && p.protocol === protocol);
  }

  private create(ip: Ipv4View): Partial {
    const p: Partial = {
      src: ip.source,
      dst: ip.destination,
      protocol: ip.protocol,
      id: ip.identification,
      fragments: [],
      received: 0,
      total: -1,
      firstHeader: null,
      timer: { cancel() {} },
    };
    p.timer = this.clock.at(this.clock.nowMs() + this.timeoutMs, () => {
      this.counters.add('rx.dropped.reassembly-timeout');
      this.remove(p);
      if (p.firstHeader) this.onTimeout(p.firstHeader);
    });
    this.partials.push(p);
    return p;
  }

  private assemble(p: Partial): Ipv4View {
    const first = p.firstHeader!;
    const hl = (first[0]! & 15) * 4;
    const whole = new Uint8Array(hl + p.total);
    whole.set(first.subarray(0, hl), 0);
    for (const f of p.fragments) whole.set(f.data, hl + f.offset);
    writeU16(whole, 2, hl + p.total);
    // Keep the DF bit; clear MF and the offset.
    writeU16(whole, 6, readU16(whole, 6) & FLAG_DONT_FRAGMENT);
    writeU16(whole, 10, 0);
    writeU16(whole, 10, checksum(whole, 0, hl));
    this.remove(p);
    this.counters.add('rx.reassembled');
    this.out.wrap(whole, 0, whole.length);
    return this.out;
  }

  private refuse(reason: string): null {
    this.counters.dropRx(reason);
    return null;
  }

  private discard(p: Partial, reason: string): null {
    this.remove(p);
    return this.refuse(reason);
  }

  private remove(p: Partial): void {
    const i = this.partials.indexOf(p);
    if (i < 0) return;
    this.partials.splice(i, 1);
    this.heldBytes -= p.received;
    p.timer.cancel();
  }
}
