/**
 * wrk (Debian's package) as the load generator of the HTTP benchmarks: the
 * command a batch case runs, and what its report says. A run with socket
 * errors, non-2xx answers or no requests at all is refused, never averaged.
 */
import { viaLoader } from './host-programs.ts';

export const WRK = '/usr/bin/wrk';

export interface WrkLoad {
  connections: number;
  seconds: number;
}

/** One wrk thread (the test machine has one vCPU); a generous timeout so a slow server shows as latency, not errors. */
export const wrkCommand = (load: WrkLoad, url: string): string =>
  `${viaLoader(WRK)} -t1 -c${load.connections} -d${load.seconds}s --timeout 30s --latency ${url}`;

export interface WrkReport {
  requests: number;
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function percentileMs(output: string, percent: number): number {
  const m = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  if (!m) throw new Error(`wrk: no ${percent}% latency in: ${output}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Reads wrk's report; throws, quoting it, when the run had errors. */
export function parseWrk(output: string): WrkReport {
  const errors = /^\s*(Socket errors:.*|Non-2xx or 3xx responses:.*)$/m.exec(output);
  if (errors) throw new Error(`wrk: the run had errors (${errors[1]!.trim()}): ${output}`);
  const requests = /^\s*(\d+) requests in /m.exec(output);
  const rate = /^Requests\/sec:\s+([\d.]+)\s*$/m.exec(output);
  if (!requests || !rate) throw new Error(`wrk: no request count or rate in: ${output}`);
  if (Number(requests[1]) === 0) throw new Error(`wrk: no request was answered: ${output}`);
  return { requests: Number(requests[1]), requestsPerSecond: Number(rate[1]), p50Ms: percentileMs(output, 50), p99Ms: percentileMs(output, 99) };
}

/**
 * An sh condition that holds when wrk's report in FILE shows a clean run:
 * some requests, no socket errors, no non-2xx answers (what parseWrk accepts).
 */
export const wrkCleanCondition = (file: string): string =>
  `grep -q '^Requests/sec:' ${file} && grep -q '^ *[1-9][0-9]* requests in ' ${file} && ! grep -q -e 'Socket errors:' -e 'Non-2xx or 3xx responses:' ${file}`;
