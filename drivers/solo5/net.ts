/**
 * Net over a Solo5 NET_BASIC device. Frames are read straight into one
 * preallocated buffer (the tender's copy is the only one) and handed to the
 * receiver as views of it, valid during the call.
 */
import { NetError, emptyNetCounters, type FrameHandler, type Net } from '../../lib/devices/net.ts';
import { bindingErrorCode, bindings } from './bindings.ts';

const ETHERNET_HEADER = 14;

export function openSolo5Net(name: string): Net {
  const k = bindings();
  const { handle, mac, mtu } = k.netAcquire(name);
  const counters = emptyNetCounters();
  const buffer = new Uint8Array(mtu + ETHERNET_HEADER);
  let handler: FrameHandler | null = null;
  let closed = false;

  const drain = (): void => {
    for (;;) {
      const length = k.netRead(handle, buffer);
      if (length < 0) return;
      counters.rxFrames++;
      counters.rxBytes += length;
      if (!handler) {
        counters.rxDropped++;
        continue;
      }
      handler(buffer.subarray(0, length));
    }
  };

  return {
    mac,
    mtu,
    write(frame) {
      if (closed) throw new NetError('closed', `net '${name}': closed`);
      if (frame.length < ETHERNET_HEADER || frame.length > mtu + ETHERNET_HEADER) {
        counters.txDropped++;
        throw new NetError('frame-size', `net '${name}': a frame of ${frame.length} bytes is not in ${ETHERNET_HEADER}..${mtu + ETHERNET_HEADER}`);
      }
      try {
        k.netWrite(handle, frame);
      } catch (err) {
        counters.txDropped++;
        throw new NetError('io', `net '${name}': write failed (${bindingErrorCode(err)})`);
      }
      counters.txFrames++;
      counters.txBytes += frame.length;
    },
    onFrame(h) {
      handler = h;
      if (!closed) k.netWatch(handle, drain);
    },
    counters: () => ({ ...counters }),
    close() {
      if (closed) return;
      closed = true;
      handler = null;
      k.netWatch(handle, null);
    },
  };
}
