/**
 * A crash-safe Kv store on a Block: a circular, log-structured,
 * copy-on-write log of checksummed batches, found from two alternating
 * superblocks (README.md tells the design, FORMAT.md the bytes).
 *
 * Writes change the in-memory index at once and queue their records; one
 * committer at a time writes every queued transaction as one batch at the
 * head of the log, flushes, and resolves them (group commit). Nothing ever
 * overwrites a batch the last durable superblock still needs: space is won
 * back by the cleaner, which copies the live records of the oldest batches
 * to the head, flushes, and only then moves the tail in a new superblock.
 * Mounting replays the batches from the tail while each one's checksum,
 * store id and sequence number are right: a torn or missing batch ends the
 * log, so what a crash leaves is always a prefix of the committed batches.
 */
import { BlockError, type Block } from '../devices/block.ts';
import { KvError } from '../devices/kv.ts';
import { crc32 } from '../crc32.ts';
import { decodeUtf8, encodeUtf8, utf8Length } from '../text/utf8.ts';
import {
  AFTER_FLUSH,
  BATCH_HEADER,
  batchChecksumOk,
  CHECKPOINT,
  decodeSuperblock,
  encodeSuperblock,
  FORMAT_VERSION,
  indexRecordBytes,
  layoutFor,
  OP_REMOVE,
  OP_SET,
  parseRecords,
  putIndexRecord,
  putRecord,
  readBatchHeader,
  recordBytes,
  roundUp,
  sealBatch,
  SUPER_BYTES,
  type BatchHeader,
  type Record,
  type Superblock,
} from './format.ts';
import { KvBase, type ValueMeta } from './kv-base.ts';
import { MAX_KEY_BYTES, Namespace, type Change } from './namespace.ts';
import { SmallCopies } from './small-copies.ts';
import { ValueCache, type Cached } from './value-cache.ts';

/** Where a value is: in the log (`pos` >= 0), or still only in memory (`bytes`, `pos` -1) until its batch is written; and perhaps in the value cache too. */
interface LogValue extends ValueMeta, Cached {
  pos: number;
  bytes: Uint8Array | undefined;
  /** Bytes of its record in the log. */
  record: number;
}

export interface LogStoreOptions {
  /** Resolve writes once written, before they are durable (default false); `sync()` is then the barrier. */
  nonDurable?: boolean;
  /** Wall-clock time in ms since the epoch, for lastModified (default Date.now). */
  now?: () => number;
  /** Bytes of recently written and read values kept in memory for gets (default 2 MiB, as SQLite's default page cache; 0 for none). */
  cacheBytes?: number;
  /**
   * A checkpoint of the index is written once the log a mount would replay
   * is this long (default 1 MiB) and four times the checkpoint's size, so
   * that mounting reads the checkpoint and the log after it, not the whole log.
   */
  checkpointBytes?: number;
}

export interface FormatOptions {
  now?: () => number;
  /** The store id (default random): tests pass one to be reproducible. */
  storeId?: number;
}

interface Txn {
  changes: Change<LogValue>[];
  bytes: number;
  removesOnly: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

/** A record to write: a set (`value` and its `bytes`) or a remove (both null). */
interface OutRecord {
  key: Uint8Array;
  value: LogValue | null;
  bytes: Uint8Array | null;
}

interface ReadBatch {
  header: BatchHeader;
  bytes: Uint8Array;
  records: Record[];
  /** Bytes it takes in the log (whole sectors). */
  span: number;
}

/** What `check` found. */
export interface CheckReport {
  ok: boolean;
  problems: string[];
  keys: number;
  liveBytes: number;
  logBytes: number;
  freeBytes: number;
  batches: number;
  /** The current superblock's generation: how many times the tail moved, plus one. */
  generation: number;
  superblocks: string[];
}

function ioError(err: unknown, what: string): KvError {
  if (err instanceof KvError) return err;
  if (err instanceof BlockError && err.code === 'read-only') return new KvError('read-only', `${what}: the device is read-only`);
  if (err instanceof BlockError && err.code === 'closed') return new KvError('closed', `${what}: the device is closed`);
  return new KvError('io', `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

function readFailed(err: unknown): never {
  throw ioError(err, 'kv store: read');
}

/** Bytes of a checkpoint's entry for `v` (its record holds the key and the value). */
function entryBytes(v: LogValue): number {
  return v.record - v.size + indexRecordBytes(0);
}

/** The index's record of a value found at `pos` in the log, as `r` (its record there) describes it. */
function inLog(pos: number, r: Record): LogValue {
  return { pos, bytes: undefined, size: r.size, mtime: r.mtime, crc: r.crc, record: recordBytes(r.key.length, r.size), cachedAt: -1, used: false };
}

function keyOf(bytes: Uint8Array, seq: number): string {
  try {
    return decodeUtf8(bytes, true);
  } catch {
    throw new KvError('corrupt', `batch ${seq}: a key is not UTF-8`);
  }
}

function randomStoreId(): number {
  return Math.floor(Math.random() * 2 ** 26) * 2 ** 26 + (Math.floor(Math.random() * 2 ** 26) ^ (Date.now() % 2 ** 26)) + 1;
}

/** Reads up to this size use the store's own buffer (see readLog). */
const SCRATCH_BYTES = 16384;

const DEFAULT_CACHE_BYTES = 2 << 20;
const DEFAULT_CHECKPOINT_BYTES = 1 << 20;
/** How much of the log a mount reads at once. */
const READ_AHEAD = 1 << 20;
/** A checkpoint is written when the log to replay is this many times its size: checkpoints cost at most a quarter more writing. */
const CHECKPOINT_RATIO = 4;

/** Largest sector size a Block may have (drivers/unix/block.ts's limit). */
const MAX_SECTOR = 65536;

const NO_CHECKPOINT = { checkpointPos: 0, checkpointSeq: 0, checkpointBatches: 0 } as const;

/** The byte offset of the slot that holds superblocks of `generation`: they alternate, so a torn write leaves the previous one whole. */
function superblockSlot(generation: number, sectorSize: number): number {
  return (generation % 2) * sectorSize;
}

/** Writes an empty store onto `block`, replacing whatever it held. */
export async function formatLogStore(block: Block, options: FormatOptions = {}): Promise<void> {
  const s = block.info.sectorSize;
  const sb: Superblock = {
    sectorSize: s,
    ...layoutFor(block.info.capacity, s),
    storeId: options.storeId ?? randomStoreId(),
    generation: 1,
    tail: 0,
    tailSeq: 1,
    created: (options.now ?? Date.now)(),
    ...NO_CHECKPOINT,
  };
  try {
    // The other slot is wiped first, so no older superblock can win over this
    // one; generation g lives in slot g % 2, as every later one does.
    await block.write(0, new Uint8Array(s));
    await block.write(superblockSlot(sb.generation, s), encodeSuperblock(sb, s));
    await block.flush();
  } catch (err) {
    throw ioError(err, 'formatting the store');
  }
}

/**
 * Whether the device looks never used: its first 128 KiB (where superblocks
 * of any sector size sit) are all zero.
 */
export async function isBlank(block: Block): Promise<boolean> {
  const head = new Uint8Array(Math.min(block.info.capacity, 2 * MAX_SECTOR));
  await block.read(0, head);
  return head.every((b) => b === 0);
}

export class LogStore extends KvBase<LogValue> {
  /** The state as of the batches written so far (what the cleaner keeps), key -> value; shares objects with `ns`. */
  private written = new Map<string, LogValue>();
  /** Record bytes of the values in `written`. */
  private liveBytes = 0;
  /** Bytes of a checkpoint's entries for the values in `written`. */
  private indexBytes = 0;
  /** Where a mount would start replaying: after the last checkpoint, or at the tail when there is none. */
  private replayFrom: number;
  private head: number;
  private nextSeq: number;
  private queue: Txn[] = [];
  private committing: Promise<void> | null = null;
  private failed: KvError | null = null;
  /** readLog's buffer for small reads, and whether a read is using it. */
  private scratch: Uint8Array | undefined;
  private scratchBusy = false;
  private readonly copies = new SmallCopies();
  private readonly cache: ValueCache<LogValue>;
  /** While mounting: the piece of the log read last, read ahead in large pieces (see readAhead). */
  private window: { pos: number; bytes: Uint8Array } | null = null;
  private mounting = false;
  private checkpoints = 0;
  /** Whether every write so far has been flushed (marks the next batch AFTER_FLUSH). */
  private allFlushed = true;
  private closed = false;
  private batches = 0;
  private readonly s: number;
  private readonly reserve: number;

  private constructor(
    private readonly block: Block,
    private sb: Superblock,
    private readonly nonDurable: boolean,
    now: () => number,
    cacheBytes: number,
    private readonly checkpointBytes: number,
  ) {
    super(now);
    this.s = sb.sectorSize;
    this.cache = new ValueCache(cacheBytes);
    // Room the cleaner always has for a copy, and a sector more for removes made when full.
    this.reserve = sb.maxBatch + this.s;
    this.head = sb.tail;
    this.nextSeq = sb.tailSeq;
    this.replayFrom = sb.tail;
  }

  /**
   * Mounts the store on `block`: finds the current superblock and replays
   * the log. Rejects with `corrupt` when there is no valid store (random
   * bytes, a blank or truncated device) and `unsupported` for a newer format.
   */
  static async open(block: Block, options: LogStoreOptions = {}): Promise<LogStore> {
    const sb = await currentSuperblock(block);
    const store = new LogStore(block, sb, options.nonDurable ?? false, options.now ?? Date.now, options.cacheBytes ?? DEFAULT_CACHE_BYTES, options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES);
    store.mounting = true;
    try {
      await store.replay();
    } finally {
      store.mounting = false;
      store.window = null;
    }
    return store;
  }

  /**
   * Figures for reports: keys and their record bytes, bytes of log in use,
   * about how many more record bytes fit (once cleaned), the largest
   * value a write may hold (less one byte per byte of its key), and how
   * many index checkpoints this mount wrote.
   */
  get stats(): { keys: number; liveBytes: number; logBytes: number; freeBytes: number; maxValue: number; checkpoints: number } {
    return {
      checkpoints: this.checkpoints,
      keys: this.written.size,
      liveBytes: this.liveBytes,
      logBytes: this.head - this.sb.tail,
      freeBytes: Math.max(0, this.sb.areaSize - this.reserve - this.liveBytes),
      maxValue: this.largestValue(0),
    };
  }

  protected usable(write: boolean): void {
    if (this.closed) throw new KvError('closed', 'kv store: closed');
    if (this.failed) throw new KvError(this.failed.code, `kv store: a write failed earlier (${this.failed.message}); open the store again`);
    if (write && this.block.info.readOnly) throw new KvError('read-only', 'kv store: the device is read-only');
  }

  protected override largestValue(keyBytes: number): number {
    return this.sb.maxBatch - BATCH_HEADER - recordBytes(keyBytes, 0);
  }

  protected make(key: string, bytes: Uint8Array, mtime: number): LogValue {
    return { pos: -1, bytes, size: bytes.length, mtime, crc: crc32(bytes), record: recordBytes(utf8Length(key), bytes.length), cachedAt: -1, used: false };
  }

  /**
   * From memory (a value not yet written, or in the value cache: checked
   * when it entered, so no checksum here) a copy, and no promise waits on
   * another; else one device read, the checksum, and the value cached. No
   * async function sits between the device's read and the caller: a get is
   * mostly this bookkeeping, so every promise less shows.
   */
  protected read(key: string, value: LogValue, offset: number, length: number): Promise<Uint8Array> {
    if (value.bytes) return Promise.resolve(this.copies.copy(value.bytes, offset, offset + length));
    const at = value.cachedAt + offset;
    if (at >= offset) {
      value.used = true;
      return Promise.resolve(this.copies.copy(this.cache.bytes, at, at + length));
    }
    const pos = value.pos;
    const whole = offset === 0 && length === value.size;
    return this.readLog(pos + offset, length).then((bytes) => {
      if (value.pos !== pos || (whole && crc32(bytes) !== value.crc)) return this.readAgain(key, value, pos, offset, length);
      if (whole && this.written.get(key) === value) this.cache.keep(value, bytes);
      return bytes;
    });
  }

  /** After a read that raced the cleaner or a write, or found a bad checksum: the value where it is now, or why not. */
  private readAgain(key: string, value: LogValue, pos: number, offset: number, length: number): Promise<Uint8Array> {
    if (value.pos !== pos) return this.read(key, value, offset, length); // the cleaner moved it meanwhile
    const now = this.ns.value(key);
    if (now === undefined) throw new KvError('not-found', `'${key}': removed meanwhile`);
    if (now !== value) return this.read(key, now, offset, length); // replaced and cleaned meanwhile
    throw new KvError('corrupt', `'${key}': the value's checksum does not match (log position ${pos})`);
  }

  protected persist(changes: Change<LogValue>[]): Promise<void> {
    let bytes = 0;
    for (const c of changes) bytes += c.value ? c.value.record : recordBytes(utf8Length(c.key), 0);
    if (BATCH_HEADER + bytes > this.sb.maxBatch) {
      this.ns.undo(changes);
      return Promise.reject(new KvError('no-space', `a write of ${bytes} bytes is larger than this store's largest batch (${this.sb.maxBatch - BATCH_HEADER})`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ changes, bytes, removesOnly: changes.every((c) => !c.value), resolve, reject });
      this.committing ??= this.commitQueued();
    });
  }

  async sync(): Promise<void> {
    this.usable(false);
    await this.drain();
    if (this.nonDurable && !this.block.info.readOnly) await this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    if (!this.failed && !this.block.info.readOnly) await this.flush().catch(() => undefined);
  }

  /** Re-reads every live value and checks its checksum; with the replay that mounting did, this is fsck. */
  async check(): Promise<CheckReport> {
    await this.drain();
    const problems: string[] = [];
    const superblocks: string[] = [];
    for (const slot of [0, 1]) {
      const bytes = new Uint8Array(this.s);
      await this.io('read superblock', () => this.block.read(slot * this.s, bytes));
      const found = decodeSuperblock(bytes);
      const checkpoint = (sb: Superblock): string => (sb.checkpointBatches > 0 ? `, checkpoint at ${sb.checkpointPos} (${sb.checkpointBatches} batches)` : '');
      superblocks.push(found.kind === 'valid' ? `slot ${slot}: generation ${found.sb.generation}${checkpoint(found.sb)}` : `slot ${slot}: ${found.kind === 'newer' ? `version ${found.version}` : found.why}`);
    }
    let live = 0;
    for (const [key, v] of this.written) {
      live += v.record;
      const bytes = await this.readLog(v.pos, v.size);
      if (crc32(bytes) !== v.crc) problems.push(`'${key}': value checksum mismatch at log position ${v.pos}`);
    }
    if (live !== this.liveBytes) problems.push(`live bytes ${this.liveBytes} counted, ${live} found`);
    if (this.head - this.sb.tail > this.sb.areaSize) problems.push('the log is longer than its area');
    const stats = this.stats;
    return { ok: problems.length === 0, problems, keys: stats.keys, liveBytes: live, logBytes: stats.logBytes, freeBytes: stats.freeBytes, batches: this.batches, generation: this.sb.generation, superblocks };
  }

  private async drain(): Promise<void> {
    while (this.committing) await this.committing;
  }

  private async io<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw ioError(err, `kv store: ${what}`);
    }
  }

  // --- the log ---------------------------------------------------------------

  /**
   * Runs `io` on the device bytes of the logical range [pos, pos+length) (at
   * most the area's size): once, or twice where the range wraps round the
   * end of the area, with the part of `buffer` each piece takes.
   */
  private async onLog(pos: number, buffer: Uint8Array, io: (offset: number, part: Uint8Array) => Promise<void>, what: string): Promise<void> {
    const { areaStart, areaSize } = this.sb;
    const at = pos % areaSize;
    const first = Math.min(buffer.length, areaSize - at);
    try {
      await io(areaStart + at, first === buffer.length ? buffer : buffer.subarray(0, first));
      if (first < buffer.length) await io(areaStart, buffer.subarray(first));
    } catch (err) {
      throw ioError(err, `kv store: ${what}`);
    }
  }

  /**
   * The bytes of the logical range [pos, pos+length), reading whole sectors:
   * a small read goes through a buffer kept for it (allocating the sectors
   * anew for every get cost more than reading them), and only the asked-for
   * bytes are copied out.
   */
  private readLog(pos: number, length: number): Promise<Uint8Array> {
    const start = pos - (pos % this.s);
    const size = roundUp(pos + length, this.s) - start;
    const from = pos - start;
    if (this.scratchBusy || size > SCRATCH_BYTES) {
      const buffer = new Uint8Array(size);
      return this.readArea(start, buffer).then(() => buffer.subarray(from, from + length), readFailed);
    }
    const scratch = (this.scratch ??= new Uint8Array(SCRATCH_BYTES));
    this.scratchBusy = true;
    return this.readArea(start, scratch.subarray(0, size)).then(
      () => {
        this.scratchBusy = false;
        return this.copies.copy(scratch, from, from + length);
      },
      (err: unknown) => {
        this.scratchBusy = false;
        return readFailed(err);
      },
    );
  }

  /**
   * The bytes of [pos, pos+length) for a mount, which reads the log in
   * order: from a piece of READ_AHEAD bytes or more read at once (a read per
   * batch cost more than the rest of replaying a log of small batches).
   * Nothing writes the log while mounting, so the piece stays right.
   */
  private async readAhead(pos: number, length: number): Promise<Uint8Array> {
    let w = this.window;
    if (!w || pos < w.pos || pos + length > w.pos + w.bytes.length) {
      const start = pos - (pos % this.s);
      const room = this.sb.areaSize - (start % this.sb.areaSize);
      const size = Math.min(room, Math.max(READ_AHEAD, roundUp(pos + length, this.s) - start));
      if (pos + length > start + size) return this.readLog(pos, length); // wraps round the end of the area
      w = { pos: start, bytes: new Uint8Array(size) };
      await this.readArea(start, w.bytes).catch((err: unknown) => {
        throw ioError(err, 'kv store: read');
      });
      this.window = w;
    }
    return w.bytes.subarray(pos - w.pos, pos - w.pos + length);
  }

  /** Reads the logical range at `pos` into `buffer` with the device's own errors: one read, or two where it wraps (see onLog). */
  private readArea(pos: number, buffer: Uint8Array): Promise<void> {
    const { areaStart, areaSize } = this.sb;
    const at = pos % areaSize;
    if (buffer.length <= areaSize - at) return this.block.read(areaStart + at, buffer);
    return this.onLog(pos, buffer, (offset, part) => this.block.read(offset, part), 'read');
  }

  /** Writes `records` as one batch at the head; flushes unless told not to. Returns the batch's position. */
  private append(records: OutRecord[], bytes: number, flush: boolean): Promise<number> {
    const batch = new Uint8Array(roundUp(BATCH_HEADER + bytes, this.s));
    let at = BATCH_HEADER;
    for (const r of records) {
      if (r.value) at = putRecord(batch, at, OP_SET, r.key, r.bytes, r.value.crc, r.value.mtime);
      else at = putRecord(batch, at, OP_REMOVE, r.key, null, 0, 0);
    }
    return this.writeBatch(batch, at, records.length, 0, flush);
  }

  /** Seals `batch` (its records filled in up to `length`) and writes it at the head; flushes unless told not to. Returns its position. */
  private async writeBatch(batch: Uint8Array, length: number, count: number, flags: number, flush: boolean): Promise<number> {
    if (this.head + batch.length - this.sb.tail > this.sb.areaSize) {
      throw new KvError('corrupt', `kv store: a batch of ${batch.length} bytes would overwrite the log's tail (a bug)`);
    }
    sealBatch(batch, { length, storeId: this.sb.storeId, seq: this.nextSeq, count, flags: flags | (this.allFlushed ? AFTER_FLUSH : 0) });
    const pos = this.head;
    await this.onLog(pos, batch, (offset, part) => this.block.write(offset, part), 'write');
    this.allFlushed = false;
    if (flush) await this.flush();
    this.head += batch.length;
    this.nextSeq++;
    this.batches++;
    return pos;
  }

  /**
   * The batch at `pos` if it is the one with sequence number `seq`, whole and
   * with a good checksum; its span alone when only the checksum is wrong;
   * null when there is no such batch.
   */
  private async readBatch(pos: number, seq: number): Promise<ReadBatch | { damaged: number } | null> {
    const room = this.sb.tail + this.sb.areaSize - pos;
    if (room < this.s) return null;
    const read = (at: number, length: number): Promise<Uint8Array> => (this.mounting ? this.readAhead(at, length) : this.readLog(at, length));
    const first = await read(pos, this.s);
    const header = readBatchHeader(first);
    if (!header || header.storeId !== this.sb.storeId || header.seq !== seq) return null;
    if (header.length < BATCH_HEADER || header.length > this.sb.maxBatch || roundUp(header.length, this.s) > room) return null;
    const span = roundUp(header.length, this.s);
    const bytes = span > this.s ? await read(pos, span) : first;
    if (!batchChecksumOk(bytes, header.length)) return { damaged: span };
    return { header, bytes, records: parseRecords(bytes, header), span };
  }

  /** The batch at `pos`, which must be there. */
  private async needBatch(pos: number, seq: number): Promise<ReadBatch> {
    const batch = await this.readBatch(pos, seq);
    if (!batch || 'damaged' in batch) throw new KvError('corrupt', `the batch at log position ${pos} (sequence ${seq}) cannot be read back`);
    return batch;
  }

  private async flush(): Promise<void> {
    await this.io('flush', () => this.block.flush());
    this.allFlushed = true;
  }

  private async replay(): Promise<void> {
    if (this.sb.checkpointBatches > 0) await this.loadCheckpoint();
    for (;;) {
      const batch = await this.readBatch(this.head, this.nextSeq);
      if (batch && 'damaged' in batch) {
        // A torn last batch ends the log; one followed by a batch written after
        // a flush was durable, so it has been damaged since: say so.
        const next = await this.readBatch(this.head + batch.damaged, this.nextSeq + 1);
        if (next && 'header' in next && next.header.flags & AFTER_FLUSH) {
          throw new KvError('corrupt', `the batch at log position ${this.head} (sequence ${this.nextSeq}) is damaged: its checksum does not match, and later batches follow it`);
        }
      }
      if (!batch || 'damaged' in batch) break;
      // A checkpoint changes nothing: it is what the batches before it made.
      if (!(batch.header.flags & CHECKPOINT)) {
        for (const r of batch.records) {
          const key = keyOf(r.key, batch.header.seq);
          if (r.op === OP_SET) this.replaySet(key, inLog(this.head + r.valueAt, r), batch.header.seq);
          else {
            // A remove may outlive the value it removed (cleaned away before it): nothing to do then.
            this.ns.delete(key);
            this.setWritten(key, undefined);
          }
        }
      }
      this.head += batch.span;
      this.nextSeq++;
    }
    this.batches = this.nextSeq - this.sb.tailSeq;
    if (this.sb.checkpointBatches > 0) {
      for (const [key, v] of this.written) {
        if (v.pos < this.sb.tail) throw new KvError('corrupt', `'${key}': the checkpoint puts it at log position ${v.pos}, before the tail (${this.sb.tail}), and no later batch moved it`);
      }
    }
  }

  /**
   * Takes the index from the checkpoint the superblock names, and goes on
   * from the batch after it: the batches between the tail and the
   * checkpoint hold values, but nothing a mount needs to read.
   */
  private async loadCheckpoint(): Promise<void> {
    const { checkpointPos, checkpointSeq, checkpointBatches, areaSize } = this.sb;
    this.head = checkpointPos;
    this.nextSeq = checkpointSeq;
    for (let i = 0; i < checkpointBatches; i++) {
      const batch = await this.needBatch(this.head, this.nextSeq);
      const seq = batch.header.seq;
      if (!(batch.header.flags & CHECKPOINT)) throw new KvError('corrupt', `batch ${seq}: the superblock names it as a checkpoint, but it is not one`);
      for (const r of batch.records) {
        const key = keyOf(r.key, seq);
        // Before the checkpoint, and within one area of it (a value the cleaner moved since is before the tail, and a later batch says where it went).
        if (r.pos < checkpointPos - areaSize || r.pos + r.size > checkpointPos) throw new KvError('corrupt', `checkpoint batch ${seq}: '${key}' at log position ${r.pos} is outside the log before it`);
        this.replaySet(key, inLog(r.pos, r), seq);
      }
      this.head += batch.span;
      this.nextSeq++;
    }
    this.replayFrom = this.head;
  }

  private replaySet(key: string, v: LogValue, seq: number): void {
    try {
      this.ns.checkSet(key);
    } catch (err) {
      throw new KvError('corrupt', `batch ${seq}: '${key}' breaks the hierarchy (${(err as Error).message})`);
    }
    this.ns.put(key, v);
    this.setWritten(key, v);
  }

  private setWritten(key: string, v: LogValue | undefined): void {
    const old = this.written.get(key);
    if (old) {
      if (old !== v) this.cache.drop(old);
      this.liveBytes -= old.record;
      this.indexBytes -= entryBytes(old);
    }
    if (v) {
      this.written.set(key, v);
      this.liveBytes += v.record;
      this.indexBytes += entryBytes(v);
    } else this.written.delete(key);
  }

  // --- checkpoints -------------------------------------------------------------

  /**
   * Writes a checkpoint of the index after the head, then a superblock that
   * names it, when the log a mount would replay has grown long enough and the
   * checkpoint fits beside the cleaner's reserve without cleaning (it can
   * wait: it only makes mounting faster). A crash before the superblock is
   * written leaves checkpoint batches that replaying passes over.
   */
  private async checkpointIfDue(): Promise<void> {
    const { areaSize, maxBatch } = this.sb;
    // Room for entries a batch surely has, whatever its last one's key: a tiny store (a batch of a few sectors) has no checkpoints.
    const perBatch = maxBatch - BATCH_HEADER - indexRecordBytes(MAX_KEY_BYTES);
    if (perBatch <= 0) return;
    const span = this.indexBytes + (Math.floor(this.indexBytes / perBatch) + 1) * (BATCH_HEADER + this.s);
    const replay = this.head - this.replayFrom;
    if (replay < this.checkpointBytes || replay < CHECKPOINT_RATIO * span) return;
    if (areaSize - (this.head - this.sb.tail) < span + this.reserve) return;
    const checkpointPos = this.head;
    const checkpointSeq = this.nextSeq;
    let batch = new Uint8Array(maxBatch);
    let at = BATCH_HEADER;
    let count = 0;
    const write = async (): Promise<void> => {
      await this.writeBatch(batch.subarray(0, roundUp(at, this.s)), at, count, CHECKPOINT, false);
      batch = new Uint8Array(maxBatch);
      at = BATCH_HEADER;
      count = 0;
    };
    for (const [key, v] of this.written) {
      const k = encodeUtf8(key);
      if (at + indexRecordBytes(k.length) > maxBatch) await write();
      at = putIndexRecord(batch, at, k, v.size, v.crc, v.mtime, v.pos);
      count++;
    }
    await write();
    await this.flush();
    await this.writeSuperblock({ ...this.sb, checkpointPos, checkpointSeq, checkpointBatches: this.nextSeq - checkpointSeq });
    this.replayFrom = this.head;
    this.checkpoints++;
  }

  // --- committing --------------------------------------------------------------

  /** The committer: runs while writes are queued; `committing` is null again as soon as the queue is seen empty, so no write queued later waits for nobody. */
  private async commitQueued(): Promise<void> {
    while (this.queue.length > 0) await this.commitGroup();
    this.committing = null;
  }

  /** Writes the writes at the front of the queue that fit in one batch, and resolves or rejects them. */
  private async commitGroup(): Promise<void> {
    const group: Txn[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && BATCH_HEADER + bytes + this.queue[0]!.bytes <= this.sb.maxBatch) {
      const txn = this.queue.shift()!;
      group.push(txn);
      bytes += txn.bytes;
    }
    try {
      await this.makeRoom(roundUp(BATCH_HEADER + bytes, this.s), group.every((t) => t.removesOnly));
      const records = group.flatMap((t) => t.changes.map((c): OutRecord => ({ key: encodeUtf8(c.key), value: c.value ?? null, bytes: c.value?.bytes ?? null })));
      const pos = await this.append(records, bytes, !this.nonDurable);
      let at = pos + BATCH_HEADER;
      for (const r of records) {
        const key = decodeUtf8(r.key);
        if (r.value) {
          r.value.pos = at + recordBytes(r.key.length, 0);
          // Written from these bytes, whose CRC it holds: a get of it soon needs no read.
          this.cache.keep(r.value, r.value.bytes!);
          r.value.bytes = undefined;
        }
        this.setWritten(key, r.value ?? undefined);
        at += recordBytes(r.key.length, r.value?.size ?? 0);
      }
      for (const t of group) t.resolve();
      await this.checkpointIfDue();
    } catch (err) {
      const failure = ioError(err, 'commit');
      const rejected = [...group, ...this.queue.splice(0)];
      // Every queued write was checked against the state these refused
      // ones made: all are refused, and the index is the written state again.
      this.ns = this.rebuiltIndex();
      if (failure.code !== 'no-space') this.failed = failure;
      for (const t of rejected) t.reject(failure);
    }
  }

  private rebuiltIndex(): Namespace<LogValue> {
    const ns = new Namespace<LogValue>();
    for (const [key, v] of this.written) ns.put(key, v);
    return ns;
  }

  /** Cleans until a batch of `span` bytes fits and leaves the reserve, or rejects with no-space. */
  private async makeRoom(span: number, removesOnly: boolean): Promise<void> {
    const { areaSize, maxBatch } = this.sb;
    const need = span + (removesOnly ? maxBatch : this.reserve);
    if (!removesOnly && this.liveBytes + span + this.reserve > areaSize) {
      throw new KvError('no-space', `the store is full (${this.liveBytes} bytes live of ${areaSize - this.reserve})`);
    }
    const end = this.head;
    while (areaSize - (this.head - this.sb.tail) < need) {
      if (this.sb.tail >= end) throw new KvError('no-space', `the store is full (${this.liveBytes} bytes live of ${areaSize - this.reserve})`);
      await this.clean();
    }
  }

  /**
   * Copies the live records of the oldest batches (as many as one batch
   * holds) to the head, flushes, then moves the tail past them in a new
   * superblock, flushed too: only then may their space be written again.
   */
  private async clean(): Promise<void> {
    const copies: OutRecord[] = [];
    let copyBytes = 0;
    let tail = this.sb.tail;
    let seq = this.sb.tailSeq;
    // A copy must fit in one batch and in the free space (after a crash between
    // a copy and its superblock, the log holds both the originals and the copy).
    const room = Math.min(this.sb.maxBatch, this.sb.areaSize - (this.head - this.sb.tail));
    while (tail < this.head) {
      const batch = await this.needBatch(tail, seq);
      const live: OutRecord[] = [];
      let liveBytes = 0;
      for (const r of batch.records) {
        if (r.op !== OP_SET) continue;
        const v = this.written.get(decodeUtf8(r.key));
        if (v && v.pos === tail + r.valueAt) {
          live.push({ key: r.key.slice(), value: v, bytes: batch.bytes.subarray(r.valueAt, r.valueAt + r.size) });
          liveBytes += v.record;
        }
      }
      if (live.length > 0 && roundUp(BATCH_HEADER + copyBytes + liveBytes, this.s) > room) break;
      copies.push(...live);
      copyBytes += liveBytes;
      tail += batch.span;
      seq++;
    }
    if (tail === this.sb.tail) throw new KvError('no-space', 'the store is full: the oldest batch cannot be moved');
    if (copies.length > 0) {
      const pos = await this.append(copies, copyBytes, true);
      let at = pos + BATCH_HEADER;
      for (const c of copies) {
        c.value!.pos = at + recordBytes(c.key.length, 0);
        at += c.value!.record;
      }
    }
    // The tail passing the checkpoint frees its space: mounting then replays from the tail again.
    const keep = this.sb.checkpointBatches > 0 && tail <= this.sb.checkpointPos;
    await this.writeSuperblock({ ...this.sb, tail, tailSeq: seq, ...(keep ? {} : NO_CHECKPOINT) });
    if (!keep) this.replayFrom = tail;
  }

  private async writeSuperblock(next: Superblock): Promise<void> {
    const sb = { ...next, generation: this.sb.generation + 1 };
    await this.io('write superblock', () => this.block.write(superblockSlot(sb.generation, this.s), encodeSuperblock(sb, this.s)));
    await this.flush();
    this.sb = sb;
  }
}

/** The valid superblock of the higher generation, checked against the device. */
async function currentSuperblock(block: Block): Promise<Superblock> {
  const s = block.info.sectorSize;
  if (block.info.capacity < 2 * s) throw new KvError('corrupt', `a device of ${block.info.capacity} bytes holds no store`);
  const slots = [];
  for (const slot of [0, 1]) {
    const bytes = new Uint8Array(s);
    try {
      await block.read(slot * s, bytes);
    } catch (err) {
      throw ioError(err, 'reading the superblocks');
    }
    slots.push(decodeSuperblock(bytes));
  }
  const newer = slots.find((x) => x.kind === 'newer');
  if (newer?.kind === 'newer') throw new KvError('unsupported', `the store was written by format version ${newer.version}; this Kiln reads versions up to ${FORMAT_VERSION}`);
  const valid = slots.flatMap((x) => (x.kind === 'valid' ? [x.sb] : [])).sort((a, b) => b.generation - a.generation);
  const sb = valid[0];
  if (!sb) {
    const other = await findSectorSize(block);
    if (other !== null && other !== s) throw new KvError('unsupported', `the store uses ${other}-byte sectors, the device ${s}-byte ones`);
    const why = slots.map((x, i) => `slot ${i}: ${x.kind === 'invalid' ? x.why : x.kind}`).join('; ');
    throw new KvError('corrupt', `no valid superblock (${why}): not a Kiln kv store, or damaged`);
  }
  if (sb.sectorSize !== s) throw new KvError('unsupported', `the store uses ${sb.sectorSize}-byte sectors, the device ${s}-byte ones`);
  if (sb.capacity > block.info.capacity) throw new KvError('corrupt', `the store spans ${sb.capacity} bytes but the device has ${block.info.capacity}: truncated?`);
  return sb;
}

/**
 * The sector size of the store on `block` as its superblocks say, whatever
 * sector size the block reports (each size puts the second slot elsewhere);
 * null when no valid superblock is found.
 */
export async function findSectorSize(block: Block): Promise<number | null> {
  const head = new Uint8Array(Math.min(block.info.capacity, 2 * MAX_SECTOR));
  try {
    await block.read(0, head);
  } catch {
    return null;
  }
  for (let size = 512; 2 * size <= head.length; size *= 2) {
    for (const at of [0, size]) {
      const found = decodeSuperblock(head.subarray(at, at + SUPER_BYTES));
      if (found.kind === 'valid' && found.sb.sectorSize === size) return size;
    }
  }
  return null;
}
