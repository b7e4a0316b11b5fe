/**
 * Pipe and fork: the parent forks a child and streams `--bytes=N` bytes
 * (64 MiB by default) to it through a pipe. The child computes the CRC-32
 * of what it receives until end of file, reports the byte count and CRC
 * back through a second pipe, and exits 0 only if it got all N bytes. The
 * parent awaits the child's exit status and checks both against what it
 * sent. A third pipe, whose only read end the child holds, shows EPIPE:
 * once the child has exited, the parent's write to it fails.
 */
import { defineApp, fork, hasCode, parseArgs, pipe, type PipeReader } from '../../lib/index.ts';
import { crc32, crc32Hex } from '../../lib/crc32.ts';
import type { Random } from '../../lib/devices/random.ts';
import { decodeUtf8, encodeUtf8 } from '../../lib/text/utf8.ts';

const ARGS = {
  bytes: { type: 'int', min: 0, max: 2 ** 40, default: 64 * 1024 * 1024, help: 'how many bytes to stream' },
  chunk: { type: 'int', min: 1, max: 16 * 1024 * 1024, default: 64 * 1024, help: 'bytes per write' },
} as const;

/** The child's exit status when it did not receive exactly the bytes announced. */
const SHORT_STREAM = 3;

// Where each write's window starts in the pool: it moves by STRIDE modulo
// the prime PERIOD, so 65521 writes in a row all send different bytes.
const PERIOD = 65521;
const STRIDE = 4099;

/**
 * The stream's bytes: windows onto one pool of random bytes, filled once.
 * Each write sends a different window, so a lost, repeated or reordered
 * write changes the CRC; nothing is computed per byte.
 */
class Source {
  private readonly pool: Uint8Array;
  private start = 0;

  constructor(random: Random, chunk: number) {
    this.pool = new Uint8Array(chunk + PERIOD);
    random.fill(this.pool);
  }

  next(length: number): Uint8Array {
    const window = this.pool.subarray(this.start, this.start + length);
    this.start = (this.start + STRIDE) % PERIOD;
    return window;
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
  async start({ devices: { pipes, fork }, args, clock, random, console }) {
    const { bytes, chunk } = parseArgs(args, ARGS);
    const data = await pipes.create();
    const report = await pipes.create();
    const doomed = await pipes.create();
    const r = await fork.fork();

    if (r.role === 'child') {
      // Close the ends this side does not use, or end of file would never come.
      await Promise.all([data.writer.close(), report.reader.close(), doomed.writer.close()]);
      let received = 0;
      let crc = 0;
      let firstByteAt = 0n;
      for await (const piece of data.reader) {
        if (received === 0) firstByteAt = clock.monotonicNs();
        crc = crc32(piece, crc);
        received += piece.length;
      }
      const rate = received > 0 ? ` (${mibPerSecond(received, clock.monotonicNs() - firstByteAt)} MiB/s from the first byte, CRC included)` : '';
      console.info(`child: end of file after ${received} bytes${rate}`);
      await report.writer.write(encodeUtf8(`${received} ${crc32Hex(crc)}`));
      await Promise.all([data.reader.close(), report.writer.close()]);
      // Exiting closes the only read end of `doomed`.
      return received === bytes ? 0 : SHORT_STREAM;
    }

    await Promise.all([data.reader.close(), report.writer.close(), doomed.reader.close()]);
    const source = new Source(random, Math.min(chunk, bytes));
    let crc = 0;
    const startedAt = clock.monotonicNs();
    for (let sent = 0; sent < bytes; ) {
      const piece = source.next(Math.min(chunk, bytes - sent));
      crc = crc32(piece, crc);
      await data.writer.write(piece);
      sent += piece.length;
    }
    await data.writer.close();
    console.info(`parent: sent ${bytes} bytes (${mibPerSecond(bytes, clock.monotonicNs() - startedAt)} MiB/s, CRC included), then closed the write end`);

    const answer = await readMessage(report.reader, 256);
    console.info('parent: report pipe at end of file (the child closed its write end)');
    const status = await r.child.wait();
    const [count, childCrc] = answer.split(' ');
    console.info(`child ${r.child.id} exited with status ${status.code}${status.crashed ? ' (crashed)' : ''}; it verified ${count} bytes, CRC-32 ${childCrc}`);

    try {
      await doomed.writer.write(new Uint8Array([1]));
      console.error('parent: a write with no read end left succeeded; expected EPIPE');
      return 1;
    } catch (err) {
      if (!hasCode(err, 'broken-pipe')) throw err;
      console.info('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    }
    await doomed.writer.close();

    if (status.code !== 0 || status.crashed || count !== String(bytes) || childCrc !== crc32Hex(crc)) {
      console.error(`parent: mismatch: sent ${bytes} bytes with CRC-32 ${crc32Hex(crc)}`);
      return 1;
    }
    console.info(`pipeline: ${bytes} bytes, CRC-32 ${crc32Hex(crc)}, verified by the child`);
    return 0;
  },
});
