/**
 * Two connected in-memory Flows, for unit tests of protocols. Each direction
 * is a bounded byte buffer: `write` waits while the peer's buffer is full
 * (real back-pressure), `read` waits while it is empty. Reads can be cut into
 * small pieces to exercise parsers on split input.
 */
import { AsyncQueue } from '../async-queue.ts';
import { FlowError, type Endpoint, type Flow } from '../devices/flow.ts';
import { StackError, type TcpListener } from '../devices/stack.ts';

export interface FlowPairOptions {
  /** Bytes each direction buffers before writes wait (default 64 KiB). */
  capacity?: number;
  /** Largest chunk one `read()` returns (default: all that is buffered). */
  maxReadSize?: number;
  /** Endpoints of the two sides (default 10.0.0.1:40000 and 10.0.0.2:80). */
  a?: Endpoint;
  b?: Endpoint;
}

const EMPTY = new Uint8Array(0);

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** One direction: bytes written by one side, read by the other. */
class Channel {
  private chunks: Uint8Array[] = [];
  /** Index of the first unread chunk in `chunks`. */
  private head = 0;
  private buffered = 0;
  /** The writer shut down or closed: end of stream once drained. */
  ended = false;
  /** The reader closed: buffered data is dropped and further writes fail. */
  readerGone = false;
  failure: FlowError | null = null;
  private readers: Waiter<Uint8Array | null>[] = [];
  private writers: Waiter<void>[] = [];

  constructor(
    private readonly capacity: number,
    private readonly maxReadSize: number,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      if (this.failure) throw this.failure;
      if (this.readerGone) throw new FlowError('reset', 'the peer closed the connection');
      if (this.ended) throw new FlowError('closed', 'write after shutdown');
      const room = this.capacity - this.buffered;
      if (room <= 0) {
        await new Promise<void>((resolve, reject) => this.writers.push({ resolve, reject }));
        continue;
      }
      const take = Math.min(room, data.length - offset);
      this.chunks.push(data.slice(offset, offset + take)); // a copy: the caller may reuse `data`
      this.buffered += take;
      offset += take;
      this.wakeReaders();
    }
  }

  read(): Promise<Uint8Array | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.buffered > 0) return Promise.resolve(this.take());
    if (this.ended || this.readerGone) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  end(): void {
    this.ended = true;
    this.wakeReaders();
  }

  /** The reading side went away: drop what it will never read. */
  dropReader(): void {
    this.readerGone = true;
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    for (const r of this.readers.splice(0)) r.resolve(null);
    for (const w of this.writers.splice(0)) w.resolve(); // they retry and see readerGone
  }

  fail(err: FlowError): void {
    if (this.failure) return;
    this.failure = err;
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    for (const r of this.readers.splice(0)) r.reject(err);
    for (const w of this.writers.splice(0)) w.reject(err);
  }

  /** Everything buffered, up to `maxReadSize`, in one array: a read returns what has arrived, as on a socket. */
  private take(): Uint8Array {
    const limit = Math.min(this.buffered, this.maxReadSize);
    const first = this.chunks[this.head]!;
    let out: Uint8Array;
    if (first.length >= limit) {
      out = first.subarray(0, limit);
      if (first.length === limit) this.chunks[this.head++] = EMPTY;
      else this.chunks[this.head] = first.subarray(limit);
    } else {
      out = new Uint8Array(limit);
      let o = 0;
      while (o < limit) {
        const chunk = this.chunks[this.head]!;
        const n = Math.min(chunk.length, limit - o);
        out.set(chunk.subarray(0, n), o);
        o += n;
        if (n === chunk.length) this.chunks[this.head++] = EMPTY;
        else this.chunks[this.head] = chunk.subarray(n);
      }
    }
    // Drop consumed slots now and then, so the queue stays O(1) per operation.
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    this.buffered -= out.length;
    for (const w of this.writers.splice(0)) w.resolve();
    return out;
  }

  private wakeReaders(): void {
    while (this.readers.length > 0 && (this.buffered > 0 || this.ended)) {
      const r = this.readers.shift()!;
      r.resolve(this.buffered > 0 ? this.take() : null);
    }
  }
}

class MemoryFlow implements Flow {
  private closed = false;

  constructor(
    readonly local: Endpoint,
    readonly remote: Endpoint,
    private readonly incoming: Channel,
    private readonly outgoing: Channel,
  ) {}

  read(): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    return this.incoming.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new FlowError('closed', 'write on a closed flow'));
    return this.outgoing.write(data);
  }

  async shutdown(): Promise<void> {
    if (this.outgoing.failure) throw this.outgoing.failure;
    this.outgoing.end();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outgoing.end();
    this.incoming.dropReader();
  }

  abort(): void {
    this.closed = true;
    const reset = new FlowError('reset', 'the connection was reset');
    this.outgoing.fail(reset);
    this.incoming.fail(reset);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }
}

/** Creates two connected flows: what `a` writes, `b` reads, and back. */
export function createFlowPair(options: FlowPairOptions = {}): [Flow, Flow] {
  const capacity = options.capacity ?? 65536;
  const maxRead = options.maxReadSize ?? Number.MAX_SAFE_INTEGER;
  if (!(capacity >= 1) || !(maxRead >= 1)) throw new RangeError('capacity and maxReadSize must be at least 1');
  const a = options.a ?? { address: '10.0.0.1', port: 40000 };
  const b = options.b ?? { address: '10.0.0.2', port: 80 };
  const aToB = new Channel(capacity, maxRead);
  const bToA = new Channel(capacity, maxRead);
  return [new MemoryFlow(a, b, bToA, aToB), new MemoryFlow(b, a, aToB, bToA)];
}

/**
 * A TcpListener in memory: `connect()` makes a flow pair, queues the server
 * end for `accept()` and returns the client end.
 */
export class FlowPairListener implements TcpListener {
  readonly local: Endpoint;
  private readonly pending = new AsyncQueue<Flow>();
  private nextPort = 40000;

  constructor(private readonly options: FlowPairOptions = {}) {
    this.local = options.b ?? { address: '10.0.0.2', port: 80 };
  }

  connect(): Flow {
    if (this.pending.closed) throw new FlowError('refused', 'the listener is closed');
    const [client, server] = createFlowPair({
      ...this.options,
      a: { address: this.options.a?.address ?? '10.0.0.1', port: this.nextPort++ },
      b: this.local,
    });
    this.pending.offer(server);
    return client;
  }

  accept(): Promise<Flow> {
    return this.pending.take();
  }

  async close(): Promise<void> {
    for (const flow of this.pending.close(new StackError('closed', 'the listener is closed'))) flow.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<Flow> {
    return this.pending[Symbol.asyncIterator]();
  }
}
