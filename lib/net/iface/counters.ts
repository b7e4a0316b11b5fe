/**
 * Counters of one protocol layer: names such as `rx`, `tx`,
 * `rx.dropped.checksum`. A name appears once it has been counted.
 */
export class LayerCounters {
  /** Packets received and sent: plain fields, since every packet counts them. */
  rx = 0;
  tx = 0;
  /** A Map: names arrive one by one, and a growing plain object would fall back to slow dictionary mode anyway. */
  private readonly values = new Map<string, number>();

  add(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  /** Counts a dropped received packet under `rx.dropped.<reason>`. */
  dropRx(reason: string): void {
    this.add(`rx.dropped.${reason}`);
  }

  dropTx(reason: string): void {
    this.add(`tx.dropped.${reason}`);
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.rx) out.rx = this.rx;
    if (this.tx) out.tx = this.tx;
    for (const [name, n] of this.values) out[name] = n;
    return out;
  }
}
