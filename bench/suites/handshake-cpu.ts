/**
 * Server CPU per full TLS 1.3 handshake (the goal: at most 2x
 * Node's). OpenSSL's `s_time` makes new connections for a while, one
 * after another, each a full handshake (X25519, AES-128-GCM, no session
 * reuse) that it ends at once; the server's CPU over that time (every
 * thread, /proc schedstat) divided by the connections it made is one
 * sample. The client is a process of its own, so its CPU is not counted.
 */
import { cpuSeconds } from './native.ts';

/** The `openssl s_time` command line for `seconds` of new connections to `address:port`. */
export function sTimeCommand(address: string, port: number, caPath: string, seconds: number): string[] {
  return ['openssl', 's_time', '-connect', `${address}:${port}`, '-new', '-time', String(seconds), '-CAfile', caPath, '-ciphersuites', 'TLS_AES_128_GCM_SHA256'];
}

/**
 * Microseconds of `serverPid`'s CPU per handshake while `run` runs s_time
 * (given its output, "N connections in T real seconds").
 */
export async function cpuPerHandshake(serverPid: number, run: () => Promise<string>): Promise<number> {
  const before = cpuSeconds(serverPid);
  const output = await run();
  const cpu = cpuSeconds(serverPid) - before;
  const made = /(\d+) connections in [\d.]+ real seconds/.exec(output);
  if (!made || Number(made[1]) === 0) throw new Error(`s_time made no connections: ${output.slice(-300)}`);
  return (cpu * 1e6) / Number(made[1]);
}
