/**
 * What every `Net` implementation does the same way: frame sizes checked
 * against the MTU, the counters, one receive handler, closing. A driver
 * extends it with how frames leave (`transmit`) and calls `deliver` with
 * frames that arrive.
 */
import { NetError, emptyNetCounters, type FrameHandler, type MacAddress, type Net, type NetCounters, type NetOffload } from '../devices/net.ts';
import { ETHERNET_HEADER_LEN } from './wire/ethernet.ts';

export abstract class FrameDevice implements Net {
  protected readonly stats: NetCounters = emptyNetCounters();
  protected closed = false;
  private handler: FrameHandler | null = null;

  constructor(
    readonly mac: MacAddress,
    readonly mtu: number,
    readonly offload?: NetOffload,
  ) {}

  /** Hands one checked frame to the medium (with a segment size: a large TCP segment to cut); the caller may reuse `frame` once this returns. */
  protected abstract transmit(frame: Uint8Array, segmentSize: number): void;

  /** Releases the medium (socket, switch port). */
  protected abstract release(): void;

  write(frame: Uint8Array, segmentSize = 0): void {
    if (this.closed) throw new NetError('closed', 'interface is closed');
    const max = ETHERNET_HEADER_LEN + (segmentSize > 0 && this.offload ? this.offload.maxPayload : this.mtu);
    if (frame.length < ETHERNET_HEADER_LEN || frame.length > max) {
      this.stats.txDropped++;
      throw new NetError('frame-size', `frame of ${frame.length} bytes; expected ${ETHERNET_HEADER_LEN} to ${max}`);
    }
    this.transmit(frame, segmentSize);
    this.stats.txFrames++;
    this.stats.txBytes += frame.length;
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  counters(): NetCounters {
    return { ...this.stats };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = null;
    this.release();
  }

  /** Passes a received frame to the handler, or counts it dropped (closed, no handler, wrong size). */
  protected deliver(frame: Uint8Array): void {
    const handler = this.handler;
    if (this.closed || !handler || frame.length < ETHERNET_HEADER_LEN || frame.length > ETHERNET_HEADER_LEN + (this.offload?.maxPayload ?? this.mtu)) {
      this.stats.rxDropped++;
      return;
    }
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    handler(frame);
  }
}
