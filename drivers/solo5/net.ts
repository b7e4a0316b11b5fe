/**
 * Net over a Solo5 NET_BASIC device. Frames are read straight into one
 * preallocated buffer (the tender's copy is the only one) and handed to the
 * receiver as views of it, valid during the call. Where the platform offers
 * large TCP segments (the hosted platform's taps, kiln-hvt's net offload),
 * the device says so in `offload` and its buffer holds the largest.
 *
 * In a forked child (kiln-hvt) the device is a new one: a tap of the
 * child's own from the tender's `--fork-net` pool, with its own MAC
 * (`adoptChild` reads it), or none: then the device is unavailable, `write`
 * and `onFrame` throw `NetError('unavailable')`, a receiver set before is
 * never called again, and the device no longer keeps the unikernel running.
 */
import { NetError, emptyNetCounters, type FrameHandler, type Net } from '../../lib/devices/net.ts';
import { ETHERNET_HEADER_LEN } from '../../lib/net/wire/ethernet.ts';
import { bindingErrorCode, bindings, UNAVAILABLE } from './bindings.ts';

export interface Solo5Net extends Net {
  /**
   * In a forked child, before anything else uses the device: takes the
   * child's MAC, and finds out whether the tender gave the child a tap.
   * Returns false when it did not (the device is then unavailable).
   */
  adoptChild(): boolean;
  /** In a forked child, once adopted: 1 + the position of its tap in the `--fork-net` pool; else 0. */
  readonly poolTap: number;
}

export function openSolo5Net(name: string): Solo5Net {
  const k = bindings();
  const acquired = k.netAcquire(name);
  const { handle, mtu, offloadFrameMax } = acquired;
  let mac = acquired.mac;
  let poolTap = acquired.poolTap;
  const counters = emptyNetCounters();
  const offload = offloadFrameMax > 0 ? { maxPayload: offloadFrameMax - ETHERNET_HEADER_LEN } : undefined;
  const buffer = new Uint8Array(offloadFrameMax || mtu + ETHERNET_HEADER_LEN);
  let handler: FrameHandler | null = null;
  let closed = false;
  let unavailable = false;

  const unavailableError = (): NetError =>
    new NetError('unavailable', `net '${name}': not this unikernel's (a forked child given no tap: kiln-hvt --fork-net:${name}=TAP1,...)`);

  /** Reads one frame: its length, -1 when none waits, or null once the device turned out unavailable. */
  const readOne = (): number | null => {
    try {
      return k.netRead(handle, buffer);
    } catch (err) {
      if (bindingErrorCode(err) !== UNAVAILABLE) throw err;
      unavailable = true;
      k.netWatch(handle, null); // nothing will arrive: do not keep the unikernel running
      return null;
    }
  };

  /** The last frame's view of `buffer`, handed again to a frame of the same length (a view costs QuickJS a constructor call). */
  let frame = buffer.subarray(0, 0);
  const drain = (): void => {
    for (;;) {
      const length = readOne();
      if (length === null || length < 0) return;
      counters.rxFrames++;
      counters.rxBytes += length;
      if (!handler) {
        counters.rxDropped++;
        continue;
      }
      if (frame.length !== length) frame = buffer.subarray(0, length);
      handler(frame);
    }
  };

  return {
    get mac() {
      return mac;
    },
    get poolTap() {
      return poolTap;
    },
    mtu,
    ...(offload ? { offload } : {}),
    write(frame, segmentSize = 0) {
      if (closed) throw new NetError('closed', `net '${name}': closed`);
      if (unavailable) {
        counters.txDropped++;
        throw unavailableError();
      }
      const max = ETHERNET_HEADER_LEN + (segmentSize > 0 && offload ? offload.maxPayload : mtu);
      if (frame.length < ETHERNET_HEADER_LEN || frame.length > max) {
        counters.txDropped++;
        throw new NetError('frame-size', `net '${name}': a frame of ${frame.length} bytes is not in ${ETHERNET_HEADER_LEN}..${max}`);
      }
      try {
        if (segmentSize > 0) k.netWrite(handle, frame, segmentSize);
        else k.netWrite(handle, frame);
      } catch (err) {
        counters.txDropped++;
        if (bindingErrorCode(err) === UNAVAILABLE) {
          unavailable = true;
          throw unavailableError();
        }
        throw new NetError('io', `net '${name}': write failed (${bindingErrorCode(err)})`);
      }
      counters.txFrames++;
      counters.txBytes += frame.length;
    },
    onFrame(h) {
      if (unavailable) throw unavailableError();
      handler = h;
      if (!closed) k.netWatch(handle, drain);
    },
    counters: () => ({ ...counters }),
    close() {
      if (closed) return;
      closed = true;
      handler = null;
      // Frames that still arrive are read and dropped: left unread, they would end every
      // yield at once (the tender reports input waiting), and a loop a timer keeps running
      // would spin until it ends. This watch keeps nothing running.
      k.netWatch(handle, drain, false);
    },
    adoptChild() {
      // The watcher goes first: acquiring again resets the runtime's record of the handle.
      k.netWatch(handle, null);
      ({ mac, poolTap } = k.netAcquire(name));
      // A read tells the two apart; a frame already there is the child's own.
      drain();
      if (!unavailable && !closed && handler) k.netWatch(handle, drain);
      return !unavailable;
    },
  };
}
