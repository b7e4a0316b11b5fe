/**
 * Pipe and fork: the parent forks a child and streams `--bytes=N` bytes
 * (64 MiB by default) to it through a pipe. The child hashes what it
 * receives (FNV-1a) until end of file, reports the byte count and hash back
 * through a second pipe, and exits 0 only if it got all N bytes. The parent
 * awaits the child's exit status and checks both against what it sent. A
 * third pipe, whose only read end the child holds, shows EPIPE: once the
 * child has exited, the parent's write to it fails.
 */
import { defineApp, fork, hasCode, parseArgs, pipe, type PipeReader } from '../../lib/index.ts';
import { decodeUtf8, encodeUtf8 } from '../../lib/text/utf8.ts';
import { fnv1a, FNV1A_OFFSET, hex32 } from './fnv1a.ts';

const ARGS = {
  bytes: { type: 'int', min: 0, max: 2 ** 40, default: 64 * 1024 * 1024, help: 'how many bytes to stream' },
  chunk: { type: 'int', min: 1, max: 16 * 1024 * 1024, default: 64 * 1024, help: 'bytes per write' },
} as const;

/** The child's exit status when it did not receive exactly the bytes announced. */
const SHORT_STREAM = 3;

/** Fills `out` with the next bytes of a reproducible stream (xorshift32); returns the generator state. */
function fill(out: Uint8Array, state: number): number {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state;
  }
  for (let i = words.length * 4; i < out.length; i++) out[i] = i;
  return state;
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

const mibPerSecond = (bytes: number, ns: bigint): string => (bytes / (1024 * 1024) / Math.max(Number(ns) / 1e9, 1e-9)).toFixed(0);

export default defineApp({
  name: 'pipeline',
  devices: { pipes: pipe(), fork: fork() },
  async start({ devices: { pipes, fork }, args, clock, console }) {
    const { bytes, chunk } = parseArgs(args, ARGS);
    const data = await pipes.create();
    const report = await pipes.create();
    const doomed = await pipes.create();
    const r = await fork.fork();

    if (r.role === 'child') {
      // Close the ends this side does not use, or end of file would never come.
      await Promise.all([data.writer.close(), report.reader.close(), doomed.writer.close()]);
      let received = 0;
      let hash = FNV1A_OFFSET;
      let firstByteAt = 0n;
      for await (const piece of data.reader) {
        if (received === 0) firstByteAt = clock.monotonicNs();
        hash = fnv1a(piece, hash);
        received += piece.length;
      }
      const rate = received > 0 ? ` (${mibPerSecond(received, clock.monotonicNs() - firstByteAt)} MiB/s from the first byte, hashing included)` : '';
      console.info(`child: end of file after ${received} bytes${rate}`);
      await report.writer.write(encodeUtf8(`${received} ${hex32(hash)}`));
      await Promise.all([data.reader.close(), report.writer.close()]);
      // Exiting closes the only read end of `doomed`.
      return received === bytes ? 0 : SHORT_STREAM;
    }

    await Promise.all([data.reader.close(), report.writer.close(), doomed.reader.close()]);
    const buffer = new Uint8Array(Math.min(chunk, Math.max(bytes, 1)));
    let state = 0x2545f491;
    let hash = FNV1A_OFFSET;
    for (let sent = 0; sent < bytes; ) {
      const piece = buffer.subarray(0, Math.min(buffer.length, bytes - sent));
      state = fill(piece, state);
      hash = fnv1a(piece, hash);
      await data.writer.write(piece);
      sent += piece.length;
    }
    await data.writer.close();
    console.info(`parent: sent ${bytes} bytes, then closed the write end`);

    const answer = await readMessage(report.reader, 256);
    console.info('parent: report pipe at end of file (the child closed its write end)');
    const status = await r.child.wait();
    const [count, childHash] = answer.split(' ');
    console.info(`child ${r.child.id} exited with status ${status.code}${status.crashed ? ' (crashed)' : ''}; it verified ${count} bytes, FNV-1a ${childHash}`);

    try {
      await doomed.writer.write(new Uint8Array([1]));
      console.error('parent: a write with no read end left succeeded; expected EPIPE');
      return 1;
    } catch (err) {
      if (!hasCode(err, 'broken-pipe')) throw err;
      console.info('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    }
    await doomed.writer.close();

    if (status.code !== 0 || status.crashed || count !== String(bytes) || childHash !== hex32(hash)) {
      console.error(`parent: mismatch: sent ${bytes} bytes with FNV-1a ${hex32(hash)}`);
      return 1;
    }
    console.info(`pipeline: ${bytes} bytes, FNV-1a ${hex32(hash)}, verified by the child`);
    return 0;
  },
});
