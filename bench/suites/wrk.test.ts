import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWrk, wrkCleanCondition } from './wrk.ts';

// Reports as wrk 4.1.0 printed them on this machine.
const CLEAN = `Running 1s test @ http://127.0.0.1:18099/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    19.70ms   24.50ms 172.90ms   88.55%
    Req/Sec   752.00    485.15     1.99k    80.00%
  Latency Distribution
     50%  812.00us
     75%   24.63ms
     90%   48.95ms
     99%    1.27s
  769 requests in 1.04s, 95.37KB read
Requests/sec:    736.65
Transfer/sec:     91.36KB
`;
const withLine = (line: string): string => CLEAN.replace('Requests/sec:', `${line}\nRequests/sec:`);
const SOCKET_ERRORS = withLine('  Socket errors: connect 0, read 3, write 0, timeout 0');
const NON_2XX = withLine('  Non-2xx or 3xx responses: 12');
const NOTHING = CLEAN.replace('769 requests in', '0 requests in');

function shellAccepts(report: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-test-'));
  try {
    writeFileSync(join(dir, 'wrk.out'), report);
    execFileSync('sh', ['-c', `cd ${dir} && ${wrkCleanCondition('wrk.out')}`]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('wrk report', () => {
  it('reads the request count, the rate and the percentiles in milliseconds', () => {
    expect(parseWrk(CLEAN)).toEqual({ requests: 769, requestsPerSecond: 736.65, p50Ms: 0.812, p99Ms: 1270 });
  });

  it('refuses runs with socket errors, non-2xx answers or no requests', () => {
    expect(() => parseWrk(SOCKET_ERRORS)).toThrow(/Socket errors: connect 0, read 3/);
    expect(() => parseWrk(NON_2XX)).toThrow(/Non-2xx or 3xx responses: 12/);
    expect(() => parseWrk(NOTHING)).toThrow(/no request was answered/);
    expect(() => parseWrk('wrk: unable to connect')).toThrow(/no request count/);
  });

  it('judges a run clean in the shell exactly as parseWrk does', () => {
    expect(shellAccepts(CLEAN)).toBe(true);
    for (const bad of [SOCKET_ERRORS, NON_2XX, NOTHING, 'wrk: unable to connect\n']) expect(shellAccepts(bad)).toBe(false);
  });
});
