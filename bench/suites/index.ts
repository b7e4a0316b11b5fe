/** Every benchmark, in report order. Each checks its own prerequisites. */
import type { Benchmark } from '../benchmark.ts';

export const BENCHMARKS: Benchmark[] = [];
