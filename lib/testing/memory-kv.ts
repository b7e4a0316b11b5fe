/**
 * A Kv store in memory, for apps' unit tests: the same keys, rules and typed
 * errors as the store on a Block (lib/kv), with nothing to format. Writes
 * are "durable" as soon as they are made; `capacity` (bytes of keys and
 * values) makes writes beyond it fail with `no-space`, as a full disk would.
 */
import { KvError } from '../devices/kv.ts';
import { crc32 } from '../crc32.ts';
import { KvBase, type ValueMeta } from '../kv/kv-base.ts';
import type { Change } from '../kv/namespace.ts';
import { utf8Length } from '../text/utf8.ts';

interface MemoryValue extends ValueMeta {
  bytes: Uint8Array;
  /** Bytes this entry counts against the capacity (key and value). */
  cost: number;
}

export interface MemoryKvOptions {
  /** Bytes of keys and values the store holds at most (default: no limit). */
  capacity?: number;
  /** Wall-clock time in ms since the epoch, for lastModified (default Date.now). */
  now?: () => number;
}

export class MemoryKv extends KvBase<MemoryValue> {
  private used = 0;
  private closed = false;
  private readonly capacity: number;

  constructor(options: MemoryKvOptions = {}) {
    super(options.now ?? Date.now);
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  }

  protected usable(): void {
    if (this.closed) throw new KvError('closed', 'memory kv: closed');
  }

  protected async read(_key: string, value: MemoryValue, offset: number, length: number): Promise<Uint8Array> {
    return value.bytes.slice(offset, offset + length);
  }

  protected make(key: string, bytes: Uint8Array, mtime: number): MemoryValue {
    return { bytes, size: bytes.length, mtime, crc: crc32(bytes), cost: utf8Length(key) + bytes.length };
  }

  protected async persist(changes: Change<MemoryValue>[]): Promise<void> {
    let used = this.used;
    for (const c of changes) used += (c.value?.cost ?? 0) - (c.previous?.cost ?? 0);
    if (used > this.capacity) {
      this.ns.undo(changes);
      throw new KvError('no-space', `memory kv: ${used} bytes would exceed the capacity of ${this.capacity}`);
    }
    this.used = used;
  }

  async sync(): Promise<void> {
    this.usable();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Closes this store and returns a new one over the same contents (what a reboot would see). */
  reopened(): MemoryKv {
    this.closed = true;
    const again = new MemoryKv({ capacity: this.capacity, now: this.now });
    again.ns = this.ns;
    again.used = this.used;
    return again;
  }
}
