/**
 * The Pipe contract: POSIX pipe semantics, for every implementation.
 *
 * Most cases run in the calling process. The cases that need a fork (an end
 * held by a forked child) are scenarios: functions of the app's devices that
 * call fork() themselves and return the exit status of the process running
 * them (parent or child). The implementation under test decides how to run a
 * scenario: on unix, in a program that can be re-executed (fixtures/); in an
 * image, directly.
 */
import type { Fork } from '../../lib/devices/fork.ts';
import { PipeError, type PipeReader, type PipeWriter, type Pipes } from '../../lib/devices/pipe.ts';
import { crc32, crc32Hex } from '../../lib/crc32.ts';
import { decodeUtf8, encodeUtf8 } from '../../lib/text/utf8.ts';
import { assert, assertBytesEqual, assertEqual, assertRejectsWith, ContractFailure, type ContractCase } from './harness.ts';

export interface ScenarioDevices {
  pipes: Pipes;
  fork: Fork;
}

/** Runs in the parent and in every child it forks; resolves with that process's exit status. */
export type Scenario = (devices: ScenarioDevices) => Promise<number>;

export interface PipeSubject {
  pipes: Pipes;
  /** Runs the named scenario of `pipeScenarios`; rejects with the reason when it does not end with status 0. */
  runScenario(name: string): Promise<void>;
}

/** Event-loop turns a promise is given to settle before it counts as waiting. */
const TURNS = 20;

/** Whether `promise` is still unsettled after the event loop has turned a few times (I/O included). */
export async function stillWaiting(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < TURNS && !settled; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  return !settled;
}

/** The byte at `index` of a reproducible test stream (a 32-bit xorshift of the index). */
export function patternByte(index: number): number {
  let x = (index ^ 0x9e3779b9) >>> 0;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) & 0xff;
}

export function pattern(start: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = patternByte(start + i);
  return bytes;
}

// lib's UTF-8, not TextEncoder: images have none.
export const text = encodeUtf8;
export const decode = (b: Uint8Array): string => decodeUtf8(b);

/** Reads until end of file; fails beyond `limit` bytes. */
export async function readAll(reader: PipeReader, limit = 1 << 20): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (let c = await reader.read(); c !== null; c = await reader.read()) {
    chunks.push(c);
    length += c.length;
    assert(length <= limit, `read more than ${limit} bytes before end of file`);
  }
  const all = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** Writes until the write fails with EPIPE; fails if `limit` bytes go through first. */
export async function writeUntilBroken(writer: PipeWriter, limit: number): Promise<void> {
  const chunk = new Uint8Array(4096);
  for (let sent = 0; sent <= limit; sent += chunk.length) {
    try {
      await writer.write(chunk);
    } catch (err) {
      if (err instanceof PipeError && err.code === 'broken-pipe') return;
      throw err;
    }
  }
  throw new ContractFailure(`${limit} bytes were accepted, expected EPIPE`);
}

const MB64 = 64 * 1024 * 1024;

/**
 * 64 MB through one pipe, checked by count and CRC-32 of the whole stream
 * (the platform's CRC: C inside images, where a byte loop in JavaScript over
 * 64 MB would take minutes). The writer sends windows of a pool at shifting
 * offsets, so no two writes in a row carry the same bytes.
 */
async function stream64MB(pipes: Pipes): Promise<void> {
  const { reader, writer } = await pipes.create();
  // Writes of varying sizes (1 byte to 200 KB) cut the stream at places that do not line up with the pipe's pages.
  const sizes = [1, 4095, 65536, 200_000, 7, 131_072, 65537, 1500];
  const pool = pattern(0, 262_139);
  let sentCrc = 0;
  const writing = (async () => {
    let at = 0;
    for (let i = 0; at < MB64; i++) {
      const n = Math.min(sizes[i % sizes.length]!, MB64 - at);
      const from = (i * 7919) % (pool.length - n + 1);
      const piece = pool.subarray(from, from + n);
      sentCrc = crc32(piece, sentCrc);
      await writer.write(piece);
      at += n;
    }
    await writer.close();
  })();
  let received = 0;
  let receivedCrc = 0;
  for (let c = await reader.read(); c !== null; c = await reader.read()) {
    receivedCrc = crc32(c, receivedCrc);
    received += c.length;
  }
  await writing;
  assertEqual(received, MB64, 'bytes received before end of file');
  assertEqual(crc32Hex(receivedCrc), crc32Hex(sentCrc), 'CRC-32 of the bytes received');
  await reader.close();
}

/** Scenarios that need a fork, by name. */
export const pipeScenarios: Record<string, Scenario> = {
  /** The child holds the last write end: the parent's read sees its bytes, then end of file once it closes. */
  async 'eof-after-child-writer-closes'({ pipes, fork }) {
    const { reader, writer } = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await reader.close();
      await writer.write(text('from the child'));
      await writer.close();
      return 0;
    }
    await writer.close();
    assertEqual(decode(await readAll(reader)), 'from the child', 'bytes before end of file');
    assertEqual(await reader.read(), null, 'read after end of file');
    assertEqual((await r.child.wait()).code, 0, "child's exit status");
    return 0;
  },

  /** The parent's read end alone does not keep the pipe open: a child's write end still open means no EOF yet. */
  async 'no-eof-while-child-writer-open'({ pipes, fork }) {
    const { reader, writer } = await pipes.create();
    const done = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await reader.close();
      await done.writer.close();
      // Hold the write end until the parent says it checked.
      assertEqual(await done.reader.read(), null, 'end of the hold pipe');
      await writer.close();
      return 0;
    }
    await writer.close();
    await done.reader.close();
    assert(await stillWaiting(reader.read()), 'read returned while a child still held a write end');
    await done.writer.close();
    assertEqual((await r.child.wait()).code, 0, "child's exit status");
    return 0;
  },

  /**
   * End of file reaches the parent while a grandchild still runs, once every
   * copy of the write end is closed: no process keeps a copy it was not
   * meant to have (an inherited descriptor leaking into a grandchild would).
   */
  async 'eof-while-grandchild-lives'({ pipes, fork }) {
    // This order gives the watched write end the highest descriptor in the child, where a leak would survive.
    const hold = await pipes.create();
    const { reader, writer } = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await reader.close();
      await hold.writer.close();
      const g = await fork.fork();
      if (g.role === 'child') {
        await writer.close();
        // Stay alive until the parent has seen end of file.
        assertEqual(await hold.reader.read(), null, 'end of the hold pipe');
        return 0;
      }
      await writer.close();
      await hold.reader.close();
      return (await g.child.wait()).code;
    }
    await writer.close();
    await hold.reader.close();
    assertEqual(await reader.read(), null, 'read once every write end is closed');
    await hold.writer.close();
    assertEqual((await r.child.wait()).code, 0, "child's exit status");
    return 0;
  },

  /** The child holds the last read end: once it closes it, the parent's writes fail with EPIPE. */
  async 'epipe-after-child-reader-closes'({ pipes, fork }) {
    const { reader, writer } = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await writer.close();
      assertEqual(decode((await reader.read())!), 'x', 'first byte in the child');
      await reader.close();
      return 0;
    }
    await reader.close();
    await writer.write(text('x'));
    assertEqual((await r.child.wait()).code, 0, "child's exit status");
    await writeUntilBroken(writer, 1 << 20);
    await assertRejectsWith(writer.write(text('y')), PipeError, 'broken-pipe', 'a write after EPIPE');
    return 0;
  },
};

export function pipeContract(subject: PipeSubject): ContractCase[] {
  const { pipes } = subject;
  const scenario = (name: string): ContractCase => ({ name: `${name} (forked)`, run: () => subject.runScenario(name) });
  return [
    {
      name: 'capacity is a positive whole number of bytes',
      async run() {
        assert(Number.isSafeInteger(pipes.capacity) && pipes.capacity > 0, `capacity ${pipes.capacity}`);
      },
    },
    {
      name: 'read waits while the pipe is empty, then returns what was written',
      async run() {
        const { reader, writer } = await pipes.create();
        const read = reader.read();
        assert(await stillWaiting(read), 'read of an empty pipe returned');
        await writer.write(text('hello'));
        assertEqual(decode((await read)!), 'hello', 'bytes read');
        await Promise.all([reader.close(), writer.close()]);
      },
    },
    {
      name: 'read returns at most max bytes, and the rest in order',
      async run() {
        const { reader, writer } = await pipes.create();
        await writer.write(pattern(0, 1000));
        const first = (await reader.read(300))!;
        assertBytesEqual(first, pattern(0, 300), 'first read of 300');
        await writer.close();
        assertBytesEqual(await readAll(reader), pattern(300, 700), 'the rest');
        await reader.close();
      },
    },
    {
      name: 'holds capacity bytes with nobody reading',
      async run() {
        const { reader, writer } = await pipes.create();
        const write = writer.write(pattern(0, pipes.capacity));
        assert(!(await stillWaiting(write)), `a write of capacity (${pipes.capacity}) bytes waited with nobody reading`);
        await write;
        await writer.close();
        assertBytesEqual(await readAll(reader), pattern(0, pipes.capacity), 'bytes read back');
        await reader.close();
      },
    },
    {
      name: 'write waits while the pipe is full, and completes as the reader drains it',
      async run() {
        const { reader, writer } = await pipes.create();
        const size = pipes.capacity * 4;
        const write = writer.write(pattern(0, size));
        assert(await stillWaiting(write), `a write of ${size} bytes into a pipe of ${pipes.capacity} returned with nobody reading`);
        const reading = readAll(reader, size);
        await write;
        await writer.close();
        assertBytesEqual(await reading, pattern(0, size), 'bytes read');
        await reader.close();
      },
    },
    {
      name: 'end of file once the last write end is closed, after the buffered bytes',
      async run() {
        const { reader, writer } = await pipes.create();
        await writer.write(text('last words'));
        const pending = (async () => {
          const first = await reader.read();
          return [first, await reader.read()] as const;
        })();
        await writer.close();
        const [first, second] = await pending;
        assertEqual(decode(first!), 'last words', 'buffered bytes');
        assertEqual(second, null, 'read after the writer closed');
        assertEqual(await reader.read(), null, 'read after end of file');
        await reader.close();
      },
    },
    {
      name: 'a read waiting on an empty pipe returns end of file when the writer closes',
      async run() {
        const { reader, writer } = await pipes.create();
        const read = reader.read();
        assert(await stillWaiting(read), 'read of an empty pipe returned');
        await writer.close();
        assertEqual(await read, null, 'waiting read');
        await reader.close();
      },
    },
    {
      name: 'EPIPE once the last read end is closed',
      async run() {
        const { reader, writer } = await pipes.create();
        await reader.close();
        await assertRejectsWith(writer.write(text('into the void')), PipeError, 'broken-pipe', 'write');
        await assertRejectsWith(writer.write(text('again')), PipeError, 'broken-pipe', 'second write');
        await writer.close();
      },
    },
    {
      name: 'a write waiting on a full pipe fails with EPIPE when the reader closes',
      async run() {
        const { reader, writer } = await pipes.create();
        const write = writer.write(pattern(0, pipes.capacity * 4));
        assert(await stillWaiting(write), 'write into a full pipe returned');
        await reader.close();
        await assertRejectsWith(write, PipeError, 'broken-pipe', 'waiting write');
        await writer.close();
      },
    },
    {
      name: 'closed ends refuse with closed; closing twice is harmless',
      async run() {
        const { reader, writer } = await pipes.create();
        await reader.close();
        await writer.close();
        await reader.close();
        await writer.close();
        await assertRejectsWith(reader.read(), PipeError, 'closed', 'read on a closed end');
        await assertRejectsWith(writer.write(text('x')), PipeError, 'closed', 'write on a closed end');
      },
    },
    {
      name: 'a read waiting when its own end is closed fails with closed',
      async run() {
        const { reader, writer } = await pipes.create();
        const read = reader.read();
        assert(await stillWaiting(read), 'read of an empty pipe returned');
        await reader.close();
        await assertRejectsWith(read, PipeError, 'closed', 'waiting read');
        await writer.close();
      },
    },
    {
      name: 'async iteration yields every chunk until end of file',
      async run() {
        const { reader, writer } = await pipes.create();
        const writing = (async () => {
          for (let i = 0; i < 10; i++) await writer.write(pattern(i * 5000, 5000));
          await writer.close();
        })();
        let at = 0;
        for await (const chunk of reader) {
          assertBytesEqual(chunk, pattern(at, chunk.length), `chunk at ${at}`);
          at += chunk.length;
        }
        await writing;
        assertEqual(at, 50_000, 'bytes iterated');
        await reader.close();
      },
    },
    { name: '64 MB arrive byte-exact', run: () => stream64MB(pipes) },
    scenario('eof-after-child-writer-closes'),
    scenario('no-eof-while-child-writer-open'),
    scenario('eof-while-grandchild-lives'),
    scenario('epipe-after-child-reader-closes'),
  ];
}
