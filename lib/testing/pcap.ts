/**
 * Packet captures in the classic libpcap format (what tcpdump -w writes):
 * a 24-byte global header, then per frame a 16-byte record header and the
 * frame. Link type 1 (Ethernet). Output goes to a sink, so this runs
 * without any file API; tests write the bytes to a file.
 */
import type { Clock } from '../devices/clock.ts';
import type { Net } from '../devices/net.ts';

const MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export class PcapWriter {
  private readonly chunks: Uint8Array[] = [];

  /** Captures with timestamps from `clock`'s wall time; frames longer than `snaplen` are cut. */
  constructor(
    private readonly clock: Clock,
    private readonly snaplen = 65535,
  ) {
    const h = new DataView(new ArrayBuffer(PCAP_GLOBAL_HEADER_LEN));
    h.setUint32(0, MAGIC, true);
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setUint32(16, snaplen, true);
    h.setUint32(20, LINKTYPE_ETHERNET, true);
    this.chunks.push(new Uint8Array(h.buffer));
  }

  /** Records one frame (copied). */
  capture(frame: Uint8Array): void {
    const kept = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(PCAP_RECORD_HEADER_LEN + kept);
    const h = new DataView(rec.buffer);
    const ns = this.clock.wallNs();
    h.setUint32(0, Number(ns / 1_000_000_000n), true);
    h.setUint32(4, Number((ns % 1_000_000_000n) / 1000n), true);
    h.setUint32(8, kept, true);
    h.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, kept), PCAP_RECORD_HEADER_LEN);
    this.chunks.push(rec);
  }

  /** The capture so far, as one pcap file. */
  bytes(): Uint8Array {
    let total = 0;
    for (const c of this.chunks) total += c.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * Wraps a Net so that every frame it sends and receives is captured too:
 * for looking at what one stack saw, on any driver (a switch port, SocatNet).
 */
export function capturing(net: Net, pcap: PcapWriter): Net {
  return {
    mac: net.mac,
    mtu: net.mtu,
    write(frame) {
      net.write(frame);
      pcap.capture(frame);
    },
    onFrame(handler) {
      net.onFrame((frame) => {
        pcap.capture(frame);
        handler(frame);
      });
    },
    counters: () => net.counters(),
    close: () => net.close(),
  };
}

export interface PcapRecord {
  timeNs: bigint;
  originalLength: number;
  frame: Uint8Array;
}

export class PcapFormatError extends Error {}

/** Reads a little-endian microsecond pcap file of Ethernet frames (what `PcapWriter` and tcpdump write). */
export function readPcap(bytes: Uint8Array): PcapRecord[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PCAP_GLOBAL_HEADER_LEN || v.getUint32(0, true) !== MAGIC) {
    throw new PcapFormatError('not a little-endian microsecond pcap file');
  }
  if (v.getUint32(20, true) !== LINKTYPE_ETHERNET) throw new PcapFormatError('link type is not Ethernet');
  const records: PcapRecord[] = [];
  let at = PCAP_GLOBAL_HEADER_LEN;
  while (at < bytes.length) {
    if (at + PCAP_RECORD_HEADER_LEN > bytes.length) throw new PcapFormatError(`truncated record header at byte ${at}`);
    const kept = v.getUint32(at + 8, true);
    const start = at + PCAP_RECORD_HEADER_LEN;
    if (start + kept > bytes.length) throw new PcapFormatError(`truncated frame at byte ${start}`);
    records.push({
      timeNs: BigInt(v.getUint32(at, true)) * 1_000_000_000n + BigInt(v.getUint32(at + 4, true)) * 1000n,
      originalLength: v.getUint32(at + 12, true),
      frame: bytes.slice(start, start + kept),
    });
    at = start + kept;
  }
  return records;
}
