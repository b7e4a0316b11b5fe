/** Every benchmark, in report order: the native ones (hosted platform, this host) first. Each checks its own prerequisites. */
import type { Benchmark } from '../benchmark.ts';
import { netstackBenchmark } from '../netstack.ts';
import { tcpBenchmark } from '../tcp.ts';
import { blockBenchmark } from './block.ts';
import { forkBenchmark } from './fork.ts';
import { bootBenchmark } from './boot.ts';
import { httpBenchmark, httpLatencyBenchmark } from './http.ts';
import { httpCpuBenchmark, httpHostedBenchmark, httpHostedLatencyBenchmark, httpHostedRssBenchmark } from './http-cpu.ts';
import { httpInstructionsBenchmark } from './http-instructions.ts';
import { icmpBenchmark } from './icmp.ts';
import { kvBenchmark } from './kv.ts';
import { kvImageBenchmark } from './kv-image.ts';
import { memoryBenchmark } from './memory.ts';
import { pipeBenchmark } from './pipe.ts';
import { sizeBenchmark } from './size.ts';
import { tcpHostedBenchmark, tcpHostedCpuBenchmark } from './tcp-hosted.ts';
import { tcpImageBenchmark } from './tcp-image.ts';
import { tlsBenchmark, tlsHandshakeCpuBenchmark } from './tls.ts';
import { tlsHostedBenchmark, tlsHostedCpuBenchmark, tlsHostedHandshakeCpuBenchmark, tlsImageBenchmark } from './tls-bulk.ts';

export const BENCHMARKS: Benchmark[] = [
  httpCpuBenchmark,
  httpInstructionsBenchmark,
  httpHostedBenchmark,
  httpHostedLatencyBenchmark,
  httpHostedRssBenchmark,
  tcpHostedBenchmark,
  tcpHostedCpuBenchmark,
  tlsHostedBenchmark,
  tlsHostedCpuBenchmark,
  tlsHostedHandshakeCpuBenchmark,
  sizeBenchmark,
  bootBenchmark,
  icmpBenchmark,
  netstackBenchmark,
  tcpBenchmark,
  tcpImageBenchmark,
  blockBenchmark,
  forkBenchmark,
  pipeBenchmark,
  httpBenchmark,
  httpLatencyBenchmark,
  tlsBenchmark,
  tlsHandshakeCpuBenchmark,
  tlsImageBenchmark,
  memoryBenchmark,
  kvBenchmark,
  kvImageBenchmark,
];
