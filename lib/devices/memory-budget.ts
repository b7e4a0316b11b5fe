/**
 * One count of the bytes a stack and the services on it hold for their
 * connections (TCP rings, reassembly, HTTP heads, per-connection state),
 * against a limit derived from the heap. Whoever allocates for a connection
 * asks first, so that work is refused where refusing is cheap (a new SYN, a
 * new request) rather than failing part way once the heap is gone.
 */
export interface MemoryBudget {
  /** Most bytes that may be held (Infinity: no limit). */
  readonly limit: number;
  /** Bytes held now. */
  readonly used: number;
  /** Takes `bytes` if they fit under the limit; false (nothing taken) if not, after asking the reclaimers. */
  tryTake(bytes: number): boolean;
  /** Counts `bytes` that must be held whatever the limit (memory already allocated, or the least a connection needs to make progress). */
  take(bytes: number): void;
  /** Gives back bytes taken before. */
  give(bytes: number): void;
  /**
   * Registers a reclaimer, told how many bytes a refused `tryTake` wanted; it
   * frees what it can (later is fine: the refused work is retried by its
   * peer). Returns a function that removes it.
   */
  addReclaimer(reclaim: (bytes: number) => void): () => void;
}

/** The budget of a layer given none: no limit. */
export const UNLIMITED: MemoryBudget = {
  limit: Infinity,
  used: 0,
  tryTake: () => true,
  take: () => undefined,
  give: () => undefined,
  addReclaimer: () => () => undefined,
};
