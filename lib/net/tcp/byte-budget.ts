/** The MemoryBudget a TCP layer keeps, shared with the services on its listeners. */
import type { MemoryBudget } from '../../devices/memory-budget.ts';

export class ByteBudget implements MemoryBudget {
  used = 0;
  /** Highest `used` seen. */
  peak = 0;
  /** tryTake calls refused. */
  refusals = 0;
  private reclaimers: ((bytes: number) => void)[] = [];

  constructor(readonly limit: number = Infinity) {
    if (!(limit > 0)) throw new RangeError('a memory budget needs a positive limit');
  }

  get available(): number {
    return this.limit - this.used;
  }

  tryTake(bytes: number): boolean {
    if (this.used + bytes <= this.limit) {
      this.take(bytes);
      return true;
    }
    this.refusals++;
    this.reclaim(bytes);
    return false;
  }

  /** Asks the reclaimers to free memory: `bytes` were wanted and refused. */
  reclaim(bytes: number): void {
    for (const reclaim of this.reclaimers) reclaim(bytes);
  }

  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  addReclaimer(reclaim: (bytes: number) => void): () => void {
    this.reclaimers = [...this.reclaimers, reclaim];
    return () => {
      this.reclaimers = this.reclaimers.filter((r) => r !== reclaim);
    };
  }
}
