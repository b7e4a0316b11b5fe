/**
 * Counters of one protocol layer: names such as `rx`, `tx`,
 * `rx.dropped.checksum`. A name appears once it has been counted.
 */
export class LayerCounters {
  readonly values: Record<string, number> = {};

  add(name: string, n = 1): void {
    this.values[name] = (this.values[name] ?? 0) + n;
  }

  /** Counts a dropped received packet under `rx.dropped.<reason>`. */
  dropRx(reason: string): void {
    this.add(`rx.dropped.${reason}`);
  }

  dropTx(reason: string): void {
    this.add(`tx.dropped.${reason}`);
  }

  snapshot(): Record<string, number> {
    return { ...this.values };
  }
}
