/**
 * The on-disk format of the log-structured store (FORMAT.md says the same in
 * prose): superblocks, batch headers and records, encoded and checked here.
 * All integers are little-endian; 64-bit fields hold values below 2^53.
 */
import { KvError } from '../devices/kv.ts';
import { crc32 } from '../crc32.ts';

/** Version 2 added the index checkpoint (superblock fields at 80, batch flag CHECKPOINT, OP_INDEX records); version 1 stores mount as ones without a checkpoint. */
export const FORMAT_VERSION = 2;
/** The oldest version this code reads. */
export const OLDEST_VERSION = 1;
export const SUPER_MAGIC = 0x564b4c4b; // "KLKV"
export const BATCH_MAGIC = 0x424b4c4b; // "KLKB"
/** Bytes of a superblock that hold data; the rest of its sector is zero. */
export const SUPER_BYTES = 128;
export const BATCH_HEADER = 40;
export const RECORD_HEADER = 20;
export const OP_SET = 1;
export const OP_REMOVE = 2;
/** A checkpoint's entry: a value's key and metadata, and where its bytes are in the log (8 bytes after the key). */
export const OP_INDEX = 3;
/** Bytes after an OP_INDEX record's key: the u64 log position of the value's bytes. */
export const INDEX_POS_BYTES = 8;
/** Largest batch a store uses, whatever the device's size. */
export const MAX_BATCH_CAP = 8 << 20;
/** Smallest log area, in sectors. */
export const MIN_AREA_SECTORS = 8;

const TWO32 = 2 ** 32;

export function putU64(view: DataView, at: number, n: number): void {
  view.setUint32(at, n % TWO32, true);
  view.setUint32(at + 4, Math.floor(n / TWO32), true);
}

/** A 64-bit field, or -1 when it is 2^53 or more (never written by this format). */
export function getU64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  return hi >= 1 << 21 ? -1 : hi * TWO32 + view.getUint32(at, true);
}

export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export interface Superblock {
  sectorSize: number;
  /** Largest batch, bytes: a whole number of sectors. */
  maxBatch: number;
  /** Random, chosen at format time; every batch carries it, so no leftover of an earlier store is replayed. */
  storeId: number;
  /** Bytes of the device the store uses. */
  capacity: number;
  /** Where the circular log starts, and its size, bytes. */
  areaStart: number;
  areaSize: number;
  /** Counts superblock writes; the valid superblock with the higher one is current. */
  generation: number;
  /** Logical byte position of the oldest batch still needed, and its sequence number. */
  tail: number;
  tailSeq: number;
  /** When the store was formatted, ms since the epoch. */
  created: number;
  /** The last index checkpoint: its first batch's position and sequence number, and how many batches it takes (0: none). */
  checkpointPos: number;
  checkpointSeq: number;
  checkpointBatches: number;
}

export function encodeSuperblock(sb: Superblock, sectorSize: number): Uint8Array {
  const bytes = new Uint8Array(sectorSize);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, SUPER_MAGIC, true);
  v.setUint32(4, FORMAT_VERSION, true);
  v.setUint32(8, sb.sectorSize, true);
  v.setUint32(12, sb.maxBatch, true);
  putU64(v, 16, sb.storeId);
  putU64(v, 24, sb.capacity);
  putU64(v, 32, sb.areaStart);
  putU64(v, 40, sb.areaSize);
  putU64(v, 48, sb.generation);
  putU64(v, 56, sb.tail);
  putU64(v, 64, sb.tailSeq);
  putU64(v, 72, sb.created);
  putU64(v, 80, sb.checkpointPos);
  putU64(v, 88, sb.checkpointSeq);
  v.setUint32(96, sb.checkpointBatches, true);
  v.setUint32(SUPER_BYTES - 4, crc32(bytes.subarray(0, SUPER_BYTES - 4)), true);
  return bytes;
}

/** What a superblock slot holds: a valid superblock, one from a newer format, or nothing usable. */
export type SuperSlot = { kind: 'valid'; sb: Superblock } | { kind: 'newer'; version: number } | { kind: 'invalid'; why: string };

export function decodeSuperblock(bytes: Uint8Array): SuperSlot {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== SUPER_MAGIC) return { kind: 'invalid', why: 'no superblock magic' };
  const version = v.getUint32(4, true);
  if (version > FORMAT_VERSION) return { kind: 'newer', version };
  if (v.getUint32(SUPER_BYTES - 4, true) !== crc32(bytes.subarray(0, SUPER_BYTES - 4))) return { kind: 'invalid', why: 'checksum mismatch' };
  if (version < OLDEST_VERSION) return { kind: 'invalid', why: `version ${version}` };
  const sb: Superblock = {
    sectorSize: v.getUint32(8, true),
    maxBatch: v.getUint32(12, true),
    storeId: getU64(v, 16),
    capacity: getU64(v, 24),
    areaStart: getU64(v, 32),
    areaSize: getU64(v, 40),
    generation: getU64(v, 48),
    tail: getU64(v, 56),
    tailSeq: getU64(v, 64),
    created: getU64(v, 72),
    // Zero in version 1, where these bytes are reserved: no checkpoint.
    checkpointPos: getU64(v, 80),
    checkpointSeq: getU64(v, 88),
    checkpointBatches: v.getUint32(96, true),
  };
  const s = sb.sectorSize;
  const sane =
    s >= 512 && (s & (s - 1)) === 0 &&
    Object.values(sb).every((n) => n >= 0) &&
    sb.areaStart === 2 * s && sb.areaSize >= MIN_AREA_SECTORS * s && sb.areaSize % s === 0 &&
    sb.areaStart + sb.areaSize <= sb.capacity &&
    sb.maxBatch >= s && sb.maxBatch % s === 0 && sb.maxBatch <= MAX_BATCH_CAP && 2 * sb.maxBatch < sb.areaSize &&
    sb.tail % s === 0 && sb.tailSeq >= 1 &&
    (sb.checkpointBatches === 0 ||
      (sb.checkpointPos >= sb.tail && sb.checkpointPos % s === 0 && sb.checkpointPos < sb.tail + sb.areaSize && sb.checkpointSeq >= sb.tailSeq));
  return sane ? { kind: 'valid', sb } : { kind: 'invalid', why: 'fields out of range' };
}

/** The geometry a new store on a device of `capacity` bytes and `sectorSize` gets. */
export function layoutFor(capacity: number, sectorSize: number): Pick<Superblock, 'capacity' | 'areaStart' | 'areaSize' | 'maxBatch'> {
  const areaStart = 2 * sectorSize;
  const areaSize = Math.floor((capacity - areaStart) / sectorSize) * sectorSize;
  if (areaSize < MIN_AREA_SECTORS * sectorSize) {
    throw new KvError('unsupported', `a device of ${capacity} bytes is too small for a store (at least ${(MIN_AREA_SECTORS + 2) * sectorSize} with ${sectorSize}-byte sectors)`);
  }
  const maxBatch = Math.min(MAX_BATCH_CAP, Math.max(sectorSize, Math.floor(areaSize / 4 / sectorSize) * sectorSize));
  return { capacity: areaStart + areaSize, areaStart, areaSize, maxBatch };
}

/** A record as it is in a batch. `valueAt` is its value's offset in the batch; for OP_INDEX, `pos` is where the value is in the log. */
export interface Record {
  op: typeof OP_SET | typeof OP_REMOVE | typeof OP_INDEX;
  pos: number;
  key: Uint8Array;
  valueAt: number;
  size: number;
  crc: number;
  mtime: number;
}

export function recordBytes(keyBytes: number, valueBytes: number): number {
  return RECORD_HEADER + keyBytes + valueBytes;
}

/** Bytes of a checkpoint's entry for a key of `keyBytes`. */
export function indexRecordBytes(keyBytes: number): number {
  return RECORD_HEADER + keyBytes + INDEX_POS_BYTES;
}

/** Writes a checkpoint's entry at `at` of `batch`: the value at `pos` of the log; returns the offset after it. */
export function putIndexRecord(batch: Uint8Array, at: number, key: Uint8Array, size: number, crc: number, mtime: number, pos: number): number {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  v.setUint8(at, OP_INDEX);
  v.setUint8(at + 1, 0);
  v.setUint16(at + 2, key.length, true);
  v.setUint32(at + 4, size, true);
  v.setUint32(at + 8, crc, true);
  v.setFloat64(at + 12, mtime, true);
  batch.set(key, at + RECORD_HEADER);
  putU64(v, at + RECORD_HEADER + key.length, pos);
  return at + indexRecordBytes(key.length);
}

/** Writes a record at `at` of `batch`; returns the offset after it. */
export function putRecord(batch: Uint8Array, at: number, op: number, key: Uint8Array, value: Uint8Array | null, crc: number, mtime: number): number {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  v.setUint8(at, op);
  v.setUint8(at + 1, 0);
  v.setUint16(at + 2, key.length, true);
  v.setUint32(at + 4, value?.length ?? 0, true);
  v.setUint32(at + 8, crc, true);
  v.setFloat64(at + 12, mtime, true);
  batch.set(key, at + RECORD_HEADER);
  if (value) batch.set(value, at + RECORD_HEADER + key.length);
  return at + recordBytes(key.length, value?.length ?? 0);
}

/** Batch flag: everything before this batch was durable when it was written, so a bad batch before it is damage, not a torn write. */
export const AFTER_FLUSH = 1;
/** Batch flag: a batch of an index checkpoint (OP_INDEX records only); replaying the log passes over it. */
export const CHECKPOINT = 2;

export interface BatchHeader {
  length: number;
  storeId: number;
  seq: number;
  count: number;
  flags: number;
}

/** Fills in the header of `batch` (records already in place) and its checksum. */
export function sealBatch(batch: Uint8Array, h: BatchHeader): void {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  v.setUint32(0, BATCH_MAGIC, true);
  v.setUint32(4, h.length, true);
  putU64(v, 8, h.storeId);
  putU64(v, 16, h.seq);
  v.setUint32(24, h.count, true);
  v.setUint32(28, h.flags, true);
  v.setUint32(32, 0, true);
  v.setUint32(36, 0, true);
  v.setUint32(36, crc32(batch.subarray(0, h.length)), true);
}

/** The header at the start of `bytes`, when it has the magic; length and checksum are the caller's to check. */
export function readBatchHeader(bytes: Uint8Array): BatchHeader | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== BATCH_MAGIC) return null;
  return { length: v.getUint32(4, true), storeId: getU64(v, 8), seq: getU64(v, 16), count: v.getUint32(24, true), flags: v.getUint32(28, true) };
}

/** Whether the first `length` bytes of `batch` carry the checksum in its header. */
export function batchChecksumOk(batch: Uint8Array, length: number): boolean {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const stored = v.getUint32(36, true);
  v.setUint32(36, 0, true);
  const ok = crc32(batch.subarray(0, length)) === stored;
  v.setUint32(36, stored, true);
  return ok;
}

/** The records of a batch whose checksum matched; a malformed one means the store is corrupt. */
export function parseRecords(batch: Uint8Array, h: BatchHeader): Record[] {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const out: Record[] = [];
  let at = BATCH_HEADER;
  for (let i = 0; i < h.count; i++) {
    if (at + RECORD_HEADER > h.length) throw new KvError('corrupt', `batch ${h.seq}: record ${i} runs past the batch`);
    const op = v.getUint8(at);
    const keyLength = v.getUint16(at + 2, true);
    const size = v.getUint32(at + 4, true);
    // A checkpoint holds entries only, and a log batch no entry.
    const expected = h.flags & CHECKPOINT ? op === OP_INDEX : op === OP_SET || (op === OP_REMOVE && size === 0);
    const bytes = op === OP_INDEX ? indexRecordBytes(keyLength) : recordBytes(keyLength, size);
    if (!expected || at + bytes > h.length) throw new KvError('corrupt', `batch ${h.seq}: record ${i} is malformed`);
    const valueAt = at + RECORD_HEADER + keyLength;
    out.push({
      op: op as Record['op'],
      key: batch.subarray(at + RECORD_HEADER, valueAt),
      valueAt,
      size,
      crc: v.getUint32(at + 8, true),
      mtime: v.getFloat64(at + 12, true),
      pos: op === OP_INDEX ? getU64(v, valueAt) : -1,
    });
    at += bytes;
  }
  if (at !== h.length) throw new KvError('corrupt', `batch ${h.seq}: ${h.length - at} bytes after its records`);
  return out;
}
