/**
 * What the platform tells about memory, for /stats and for shedding load.
 * No device signature carries this yet, so it is found by feature: an
 * image's runtime exposes its allocator's figures, Node its process
 * figures; elsewhere, nothing.
 */
import type { Clock } from '../../lib/index.ts';

export type MemoryFigures = Record<string, number>;

interface KilnRuntimeApi {
  memory?: () => MemoryFigures;
  heapFree?: () => number;
  gc?: () => void;
}

/** Free heap below which the image counts as short: an eighth of the heap, at least this. */
const MIN_RESERVE_BYTES = 256 * 1024;

function runtimeApi(): KilnRuntimeApi | undefined {
  return (globalThis as unknown as { __kiln?: KilnRuntimeApi }).__kiln;
}

const reserveFor = (heapSize: number): number => Math.max(heapSize / 8, MIN_RESERVE_BYTES);

/** Collections asked for by the pressure check, at most one per this long. */
const GC_INTERVAL_MS = 100;

/**
 * Whether the image is short of memory (less than an eighth of its heap
 * free, at least 256 KiB), for `serveHttp`'s `overloaded`. Cyclic garbage
 * counts as used until collected, so before saying "short" the check has the
 * runtime collect it (at most every 100 ms) and looks again. Never short on
 * Node, which grows its heap as it needs.
 */
export function memoryPressure(clock: Clock): () => boolean {
  const api = runtimeApi();
  const memory = api?.memory;
  const heapFree = api?.heapFree;
  if (typeof memory !== 'function' || typeof heapFree !== 'function') return () => false;
  // Free heap (`heapFree`: what neither live objects nor the allocator's pages hold), asked before every
  // request: one number, not memory()'s object. The heap's size does not change.
  const reserve = reserveFor(memory().heapSize ?? 0);
  const short = (): boolean => heapFree() < reserve;
  let lastGcMs = -Infinity;
  return () => {
    if (!short()) return false;
    const now = clock.nowMs();
    if (typeof api?.gc !== 'function' || now - lastGcMs < GC_INTERVAL_MS) return true;
    lastGcMs = now;
    api.gc();
    return short();
  };
}

interface NodeLikeProcess {
  memoryUsage?: () => MemoryFigures;
}

export function memoryFigures(): MemoryFigures | null {
  const g = globalThis as unknown as { process?: NodeLikeProcess };
  const memory = runtimeApi()?.memory;
  if (typeof memory === 'function') return { ...memory() };
  if (typeof g.process?.memoryUsage === 'function') {
    const { rss, heapTotal, heapUsed } = g.process.memoryUsage();
    return { rss: rss ?? 0, heapTotal: heapTotal ?? 0, heapUsed: heapUsed ?? 0 };
  }
  return null;
}
