/**
 * Flow over a host TCP socket (`node:net`).
 *
 * Back-pressure both ways, as the signature promises:
 * - receiving: the socket stays in paused mode and is read only when the app
 *   calls `read()`. Node stops reading from the kernel once its own buffer
 *   (16 KiB) is full, the kernel's receive buffer then fills, and TCP's
 *   window closes on the sender.
 * - sending: `write` resolves from the write callback, that is once the kernel
 *   has taken every byte; while the kernel's send buffer is full it waits.
 *
 * Sockets are made with `allowHalfOpen`, so the peer's FIN ends our reads
 * only and `shutdown()` ends our writes only.
 */
import type { Socket } from 'node:net';
import { FlowError, type Endpoint, type Flow } from '../../lib/devices/flow.ts';
import { flowErrorFrom } from './host-errors.ts';

/** Where a flow reports bytes moved, for the stack's counters. */
export interface FlowStats {
  received(bytes: number): void;
  sent(bytes: number): void;
}

type LocalEnd = 'open' | 'closed' | 'aborted';

interface PendingRead {
  resolve(chunk: Uint8Array | null): void;
  reject(err: FlowError): void;
}

export function endpointOf(address: string | undefined, port: number | undefined): Endpoint {
  // Listeners bind IPv4 only, so these are dotted quads; strip a v4-mapped prefix all the same.
  return { address: (address ?? '0.0.0.0').replace(/^::ffff:/, ''), port: port ?? 0 };
}

/** A plain Uint8Array over a Buffer's bytes, so apps never see Buffer-only behaviour (Buffer#slice shares). */
function bytesOf(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class SocketFlow implements Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly reads: PendingRead[] = [];
  private failure: FlowError | null = null;
  private peerEnded = false;
  private localEnd: LocalEnd = 'open';
  private writeShut = false;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly stats: FlowStats,
    onGone: (flow: SocketFlow) => void,
  ) {
    this.local = endpointOf(socket.localAddress, socket.localPort);
    this.remote = endpointOf(socket.remoteAddress, socket.remotePort);
    const what = `tcp ${this.local.address}:${this.local.port} <-> ${this.remote.address}:${this.remote.port}`;
    socket.on('readable', () => this.serveReads());
    socket.on('end', () => {
      this.peerEnded = true;
      this.serveReads();
    });
    socket.on('error', (err) => {
      this.failure ??= flowErrorFrom(err, what);
      this.serveReads();
    });
    socket.on('close', () => {
      this.serveReads();
      onGone(this);
    });
  }

  read(): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      this.reads.push({ resolve, reject });
      this.serveReads();
    });
  }

  write(data: Uint8Array): Promise<void> {
    const refusal = this.writeRefusal();
    if (refusal) return Promise.reject(refusal);
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) {
          reject(this.writeRefusal() ?? flowErrorFrom(err, 'write'));
        } else {
          this.stats.sent(data.length);
          resolve();
        }
      });
    });
  }

  shutdown(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.localEnd !== 'open') return Promise.reject(new FlowError('closed', 'shutdown: the flow is closed'));
    if (this.writeShut) return Promise.resolve();
    this.writeShut = true;
    return this.endWrites();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.localEnd === 'open') this.localEnd = 'closed';
    this.serveReads();
    this.closing = new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      // Send what the app already wrote, then the FIN, then release the descriptor.
      this.socket.end(() => this.socket.destroy());
    });
    return this.closing;
  }

  /**
   * Closes without waiting for Node to flush writes the app did not await:
   * what the kernel took is still sent, then the FIN. Used when the stack closes.
   */
  release(): Promise<void> {
    if (this.localEnd === 'open') this.localEnd = 'closed';
    this.serveReads();
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()).destroy());
  }

  abort(): void {
    if (this.localEnd === 'aborted') return;
    this.localEnd = 'aborted';
    this.serveReads();
    if (this.socket.destroyed) return;
    // libuv cannot reset a socket whose FIN is already queued (close() or
    // shutdown() came first): Node's reset then fails with EINVAL and leaks
    // the handle, which keeps the process alive. That socket is only dropped.
    if (this.socket.writableEnded) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }

  private writeRefusal(): FlowError | null {
    if (this.localEnd !== 'open') return new FlowError('closed', `write: the flow was ${this.localEnd}`);
    if (this.failure) return this.failure;
    if (this.writeShut) return new FlowError('closed', 'write: the write side was shut down');
    return null;
  }

  private endWrites(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.end((err?: Error | null) => (err ? reject(this.failure ?? flowErrorFrom(err, 'shutdown')) : resolve()));
    });
  }

  private serveReads(): void {
    while (this.reads.length > 0) {
      const next = this.reads[0]!;
      if (this.localEnd === 'aborted') {
        next.reject(new FlowError('closed', 'read: the flow was aborted'));
      } else if (this.localEnd === 'closed') {
        next.resolve(null);
      } else {
        const chunk = this.socket.read() as Buffer | null;
        if (chunk !== null) {
          this.stats.received(chunk.length);
          next.resolve(bytesOf(chunk));
        } else if (this.peerEnded) {
          next.resolve(null);
        } else if (this.failure) {
          next.reject(this.failure);
        } else if (this.socket.destroyed) {
          next.reject(new FlowError('closed', 'read: the stack closed the flow'));
        } else {
          return;
        }
      }
      this.reads.shift();
    }
  }
}
