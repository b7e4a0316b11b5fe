/** A raw port on a VirtualSwitch that records what it receives and sends crafted frames: the test's hand on the wire. */
import type { VirtualSwitch, PortOptions, SwitchPort } from './switch.ts';

export class Probe {
  readonly port: SwitchPort;
  readonly received: Uint8Array[] = [];

  constructor(sw: VirtualSwitch, options: PortOptions = {}) {
    this.port = sw.attach(options);
    this.port.onFrame((f) => this.received.push(f.slice()));
  }

  get mac(): Uint8Array {
    return this.port.mac;
  }

  send(frame: Uint8Array): void {
    this.port.write(frame);
  }

  /** Removes and returns the frames received so far that match `predicate`. */
  take(predicate: (frame: Uint8Array) => boolean = () => true): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.received.length; ) {
      if (predicate(this.received[i]!)) out.push(...this.received.splice(i, 1));
      else i++;
    }
    return out;
  }
}
