/**
 * What every wire view holds: the buffer it was last pointed at, and where
 * the part it was pointed at starts and ends. A view is made once and pointed
 * at each packet in turn (its `wrap`), not allocated per packet.
 */
export abstract class WireView {
  bytes: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  protected point(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
  }
}
