/** Every benchmark, in report order. Each checks its own prerequisites. */
import type { Benchmark } from '../benchmark.ts';
import { netstackBenchmark } from '../netstack.ts';
import { tcpBenchmark } from '../tcp.ts';
import { sizeBenchmark } from './size.ts';

export const BENCHMARKS: Benchmark[] = [sizeBenchmark, netstackBenchmark, tcpBenchmark];
