/**
 * Pipe and fork: the parent forks a child and streams `--bytes=N` bytes
 * (64 MiB by default) to it through a pipe. The child knows what to expect
 * (the stream is made from a pattern both sides hold), computes the CRC-32
 * of what it receives until end of file, and exits 0 only if it got exactly
 * the expected bytes. It reports the byte count and CRC back through a
 * second pipe; the parent awaits and checks the child's exit status. A third
 * pipe, whose only read end the child holds, shows EPIPE: once the child
 * has exited, the parent's write to it fails.
 */
import { defineApp, fork, hasCode, parseArgs, pipe, type PipeReader } from '../../lib/index.ts';
import { crc32, crc32Hex } from '../../lib/crc32.ts';
import { decodeUtf8, encodeUtf8 } from '../../lib/text/utf8.ts';

/** Bytes per write unless `--chunk` says otherwise. */
export const DEFAULT_CHUNK = 64 * 1024;

const ARGS = {
  bytes: { type: 'int', min: 0, max: 2 ** 40, default: 64 * 1024 * 1024, help: 'how many bytes to stream' },
  chunk: { type: 'int', min: 1, max: 16 * 1024 * 1024, default: DEFAULT_CHUNK, help: 'bytes per write' },
} as const;

/** The child's exit status when it received fewer or more bytes than announced. */
const SHORT_STREAM = 3;
/** ... when it received the right number of bytes, but not the right bytes. */
const CORRUPT_STREAM = 4;

/**
 * Pseudo-random bytes from a fixed seed (xorshift32), made before the fork
 * so both sides hold the same pattern. Deterministic, as fork on unix
 * replays the app up to the fork.
 */
export function pattern(length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let state = 0x2545f491;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state;
  }
  return new Uint8Array(words.buffer, 0, length);
}

// Each write sends a window of the pattern that starts STRIDE bytes after
// the last one, modulo the prime PERIOD: 65521 writes in a row all differ.
const PERIOD = 65521;
const STRIDE = 4099;

/** The pattern's length for writes of `chunk` bytes. */
export const patternLength = (chunk: number): number => chunk + PERIOD;

/**
 * The stream of `bytes` bytes in writes of `chunk`: windows onto `pool`, so
 * no JavaScript runs per byte, and a lost, repeated or reordered write
 * changes the CRC.
 */
export function* stream(pool: Uint8Array, bytes: number, chunk: number): Generator<Uint8Array> {
  for (let sent = 0, start = 0; sent < bytes; sent += chunk, start = (start + STRIDE) % PERIOD) {
    yield pool.subarray(start, start + Math.min(chunk, bytes - sent));
  }
}

/** Reads a short message until end of file. */
async function readMessage(reader: PipeReader, limit: number): Promise<string> {
  const bytes: number[] = [];
  for await (const chunk of reader) {
    if (bytes.length + chunk.length > limit) throw new Error(`message longer than ${limit} bytes`);
    bytes.push(...chunk);
  }
  return decodeUtf8(new Uint8Array(bytes));
}

const mibPerSecond = (bytes: number, ns: bigint): string => (bytes / (1024 * 1024) / Math.max(Number(ns) / 1e9, 1e-9)).toFixed(1);

export default defineApp({
  name: 'pipeline',
  devices: { pipes: pipe(), fork: fork() },
  async start({ devices: { pipes, fork }, args, clock, console }) {
    const { bytes, chunk } = parseArgs(args, ARGS);
    const pool = pattern(patternLength(chunk));
    const data = await pipes.create();
    const report = await pipes.create();
    const doomed = await pipes.create();
    const r = await fork.fork();

    if (r.role === 'child') {
      // Close the ends this side does not use, or end of file would never come.
      await Promise.all([data.writer.close(), report.reader.close(), doomed.writer.close()]);
      let expected = 0;
      for (const piece of stream(pool, bytes, chunk)) expected = crc32(piece, expected);
      let received = 0;
      let crc = 0;
      let firstByteAt = 0n;
      for await (const piece of data.reader) {
        if (received === 0) firstByteAt = clock.monotonicNs();
        crc = crc32(piece, crc);
        received += piece.length;
      }
      const rate = received > 0 ? ` (${mibPerSecond(received, clock.monotonicNs() - firstByteAt)} MiB/s from the first byte, CRC included)` : '';
      console.info(`child: end of file after ${received} bytes${rate}, CRC-32 ${crc32Hex(crc)}, expected ${crc32Hex(expected)}`);
      await report.writer.write(encodeUtf8(`${received} ${crc32Hex(crc)}`));
      await Promise.all([data.reader.close(), report.writer.close()]);
      // Exiting closes the only read end of `doomed`.
      if (received !== bytes) return SHORT_STREAM;
      return crc === expected ? 0 : CORRUPT_STREAM;
    }

    await Promise.all([data.reader.close(), report.writer.close(), doomed.reader.close()]);
    const startedAt = clock.monotonicNs();
    for (const piece of stream(pool, bytes, chunk)) await data.writer.write(piece);
    await data.writer.close();
    console.info(`parent: sent ${bytes} bytes (${mibPerSecond(bytes, clock.monotonicNs() - startedAt)} MiB/s), then closed the write end`);

    const answer = await readMessage(report.reader, 256);
    console.info('parent: report pipe at end of file (the child closed its write end)');
    const status = await r.child.wait();
    const [count, crc] = answer.split(' ');
    console.info(`child ${r.child.id} exited with status ${status.code}${status.crashed ? ' (crashed)' : ''}; it received ${count} bytes, CRC-32 ${crc}`);

    try {
      await doomed.writer.write(new Uint8Array([1]));
      console.error('parent: a write with no read end left succeeded; expected EPIPE');
      return 1;
    } catch (err) {
      if (!hasCode(err, 'broken-pipe')) throw err;
      console.info('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    }
    await doomed.writer.close();

    if (status.code !== 0 || status.crashed) {
      const why = { [SHORT_STREAM]: 'not all the bytes arrived', [CORRUPT_STREAM]: 'the bytes that arrived were not the bytes sent' }[status.code];
      console.error(`parent: the child failed${why ? `: ${why}` : ''}`);
      return 1;
    }
    console.info(`pipeline: ${bytes} bytes, CRC-32 ${crc}, verified by the child`);
    return 0;
  },
});
