/**
 * What the platform tells about memory, for /stats. No device signature
 * carries this yet, so it is found by feature: an image's runtime exposes
 * its allocator's figures, Node its process figures; elsewhere, nothing.
 */
export type MemoryFigures = Record<string, number>;

interface KilnRuntimeApi {
  memory?: () => MemoryFigures;
}
interface NodeLikeProcess {
  memoryUsage?: () => MemoryFigures;
}

export function memoryFigures(): MemoryFigures | null {
  const g = globalThis as unknown as { __kiln?: KilnRuntimeApi; process?: NodeLikeProcess };
  if (typeof g.__kiln?.memory === 'function') return { ...g.__kiln.memory() };
  if (typeof g.process?.memoryUsage === 'function') {
    const { rss, heapTotal, heapUsed } = g.process.memoryUsage();
    return { rss: rss ?? 0, heapTotal: heapTotal ?? 0, heapUsed: heapUsed ?? 0 };
  }
  return null;
}
