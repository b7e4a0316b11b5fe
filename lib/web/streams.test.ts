// WritableStream, TransformStream, piping and the text streams of lib/web,
// each scenario run on lib/web's classes and on Node's own (which follow the
// Streams Standard's reference implementation): the two logs must match.
import * as nodeStreams from 'node:stream/web';
import { describe, expect, it } from 'vitest';

import { ReadableStream } from './readable-stream.ts';
import { ByteLengthQueuingStrategy, CountQueuingStrategy } from './queue-with-sizes.ts';
import { TextDecoderStream, TextEncoderStream } from './text-streams.ts';
import { TransformStream } from './transform-stream.ts';
import { WritableStream } from './writable-stream.ts';

interface Streams {
  ReadableStream: typeof ReadableStream;
  WritableStream: typeof WritableStream;
  TransformStream: typeof TransformStream;
  TextEncoderStream: typeof TextEncoderStream;
  TextDecoderStream: typeof TextDecoderStream;
}
const ours: Streams = { ReadableStream, WritableStream, TransformStream, TextEncoderStream, TextDecoderStream };
const node = nodeStreams as unknown as Streams;

/** Lets every pending promise job run (a macrotask turn). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A promise the test resolves by hand, to hold a sink's write open. */
function gate(): { promise: Promise<void>; open(): void; fail(reason: unknown): void } {
  let open!: () => void;
  let fail!: (reason: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

const describeError = (err: unknown): string => (err instanceof Error ? `${err.name}` : String(err));

/** Runs `scenario` on both implementations and checks they log the same. */
async function same(scenario: (s: Streams, log: (entry: unknown) => void) => Promise<void>): Promise<unknown[]> {
  const run = async (s: Streams): Promise<unknown[]> => {
    const entries: unknown[] = [];
    await scenario(s, (entry) => entries.push(entry));
    return entries;
  };
  const expected = await run(node);
  const actual = await run(ours);
  expect(actual).toEqual(expected);
  return actual;
}

describe('WritableStream', () => {
  it('writes one chunk at a time, in order, and reports backpressure through desiredSize and ready', async () => {
    const log = await same(async (s, log) => {
      const gates: ReturnType<typeof gate>[] = [];
      const stream = new s.WritableStream<string>(
        {
          write(chunk) {
            log(`sink write ${chunk}`);
            const g = gate();
            gates.push(g);
            return g.promise;
          },
          close() {
            log('sink close');
          },
        },
        new CountQueuingStrategy({ highWaterMark: 2 }),
      );
      const writer = stream.getWriter();
      let ready = false;
      await settle();
      log(['desired', writer.desiredSize]);
      for (const chunk of ['a', 'b', 'c']) void writer.write(chunk).then(() => log(`written ${chunk}`));
      log(['desired after 3', writer.desiredSize]);
      void writer.ready.then(() => (ready = true));
      await settle();
      log(['ready while full', ready]);
      gates[0]!.open();
      await settle();
      log(['desired after 1 done', writer.desiredSize]);
      gates[1]!.open();
      await settle();
      log(['ready after 2 done', ready, writer.desiredSize]);
      const closed = writer.close().then(() => log('close resolved'));
      await settle();
      log('close waits for the last write');
      gates[2]!.open();
      await closed;
      await writer.closed;
      log(['closed', writer.desiredSize]);
    });
    expect(log).toContain('close waits for the last write');
    expect(log.indexOf('sink close')).toBeGreaterThan(log.indexOf('close waits for the last write'));
  });

  it('aborts: the sink hears the reason, queued writes reject, the signal fires, closed rejects', async () => {
    await same(async (s, log) => {
      const g = gate();
      let signalled: unknown = null;
      const stream = new s.WritableStream<string>({
        start(controller) {
          controller.signal.addEventListener('abort', () => (signalled = controller.signal.reason));
        },
        write() {
          return g.promise;
        },
        abort(reason) {
          log(`sink abort ${String(reason)}`);
        },
      });
      const writer = stream.getWriter();
      await settle();
      const first = writer.write('1').then(() => log('first written'), (e) => log(`first ${String(e)}`));
      const second = writer.write('2').then(() => log('second written'), (e) => log(`second ${String(e)}`));
      const aborted = writer.abort('stop').then(() => log('abort resolved'));
      log(['signal', signalled, writer.desiredSize]);
      await settle();
      log('abort waits for the write in flight');
      g.open();
      await Promise.all([first, second, aborted]);
      await writer.closed.catch((e) => log(`closed ${String(e)}`));
      await writer.write('3').catch((e) => log(`write after abort ${String(e)}`));
    });
  });

  it('a sink that rejects a write errors the stream; a throwing size errors it too', async () => {
    await same(async (s, log) => {
      const failing = new s.WritableStream<string>({
        write() {
          throw new RangeError('disk full');
        },
      });
      const writer = failing.getWriter();
      await writer.write('x').catch((e) => log(`write ${describeError(e)}`));
      await writer.closed.catch((e) => log(`closed ${describeError(e)}`));
      await writer.ready.catch((e) => log(`ready ${describeError(e)}`));
      log(['desired', writer.desiredSize]);

      const sized = new s.WritableStream<string>({}, { size: () => { throw new SyntaxError('size'); } });
      const sizedWriter = sized.getWriter();
      await sizedWriter.write('y').catch((e) => log(`sized write ${describeError(e)}`));
      await sizedWriter.closed.catch((e) => log(`sized closed ${describeError(e)}`));
    });
  });

  it('locks to one writer; releaseLock rejects the old writer; close and abort refuse a locked stream', async () => {
    await same(async (s, log) => {
      const stream = new s.WritableStream<string>();
      const writer = stream.getWriter();
      try {
        stream.getWriter();
      } catch (e) {
        log(`second writer ${describeError(e)}`);
      }
      await stream.close().catch((e) => log(`close locked ${describeError(e)}`));
      await stream.abort().catch((e) => log(`abort locked ${describeError(e)}`));
      writer.releaseLock();
      log(['locked', stream.locked]);
      await writer.closed.catch((e) => log(`old closed ${describeError(e)}`));
      await writer.write('z').catch((e) => log(`old write ${describeError(e)}`));
      await stream.close();
      log('closed unlocked');
      await stream.getWriter().closed.then(() => log('new writer sees closed'));
    });
  });
});

describe('TransformStream', () => {
  const upper = (s: Streams) =>
    new s.TransformStream<string, string>({
      transform(chunk, controller) {
        controller.enqueue(chunk.toUpperCase());
      },
      flush(controller) {
        controller.enqueue('!');
      },
    });

  it('transforms written chunks into read ones, flushes on close, and holds writes while nobody reads', async () => {
    await same(async (s, log) => {
      const t = upper(s);
      const writer = t.writable.getWriter();
      const reader = t.readable.getReader();
      let written = false;
      void writer.write('abc').then(() => (written = true));
      await settle();
      log(['written before a read', written, writer.desiredSize]);
      log(await reader.read());
      await settle();
      log(['written after a read', written]);
      void writer.close();
      log(await reader.read());
      log(await reader.read());
    });
  });

  it('is an identity without a transformer; error() and terminate() end both sides', async () => {
    await same(async (s, log) => {
      const identity = new s.TransformStream<number, number>();
      const chunks: number[] = [];
      const read = (async () => {
        for await (const chunk of identity.readable as unknown as AsyncIterable<number>) chunks.push(chunk);
      })();
      const w = identity.writable.getWriter();
      await w.write(1);
      await w.write(2);
      await w.close();
      await read;
      log(chunks);

      let controller!: { error(e: unknown): void; terminate(): void };
      const failing = new s.TransformStream<string, string>({ start: (c) => void (controller = c) });
      controller.error(new TypeError('broken'));
      await failing.readable.getReader().read().catch((e) => log(`read ${describeError(e)}`));
      await failing.writable.getWriter().write('x').catch((e) => log(`write ${describeError(e)}`));

      let ending!: { terminate(): void; enqueue(c: string): void };
      const ended = new s.TransformStream<string, string>({ start: (c) => void (ending = c) });
      ending.enqueue('last');
      ending.terminate();
      const reader = ended.readable.getReader();
      log(await reader.read());
      log(await reader.read());
      await ended.writable.getWriter().write('x').catch((e) => log(`write after terminate ${describeError(e)}`));
    });
  });

  it('a transform that throws errors the readable side and the write', async () => {
    await same(async (s, log) => {
      const t = new s.TransformStream<string, string>({
        transform() {
          throw new RangeError('bad chunk');
        },
      });
      const read = t.readable.getReader().read().catch((e) => log(`read ${describeError(e)}`));
      await t.writable.getWriter().write('x').catch((e) => log(`write ${describeError(e)}`));
      await read;
    });
  });

  it('cancelling the readable side errors the writable side and calls the transformer cancel', async () => {
    await same(async (s, log) => {
      const t = new s.TransformStream<string, string>({ cancel: (reason: unknown) => log(`cancel ${String(reason)}`) } as object);
      const writer = t.writable.getWriter();
      await t.readable.cancel('gone');
      await writer.closed.catch((e) => log(`closed ${String(e)}`));
    });
  });
});

describe('pipeTo and pipeThrough', () => {
  const source = (s: Streams, chunks: string[], end: 'close' | 'error' = 'close') =>
    new s.ReadableStream<string>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        if (end === 'close') controller.close();
        else controller.error(new RangeError('source failed'));
      },
      cancel: () => undefined,
    });
  const sink = (s: Streams, log: (e: unknown) => void, options: { failOn?: string } = {}) =>
    new s.WritableStream<string>({
      write(chunk) {
        if (chunk === options.failOn) throw new SyntaxError('sink failed');
        log(`write ${chunk}`);
      },
      close: () => log('sink close'),
      abort: (reason) => log(`sink abort ${describeError(reason)}`),
    });

  it('moves every chunk and closes the destination; preventClose leaves it open', async () => {
    await same(async (s, log) => {
      await source(s, ['a', 'b', 'c']).pipeTo(sink(s, log));
      log('piped');
      const open = sink(s, log);
      await source(s, ['d']).pipeTo(open, { preventClose: true });
      log(['locked after', open.locked]);
      await open.getWriter().write('still open');
    });
  });

  it("a source's error aborts the destination; a destination's error cancels the source", async () => {
    await same(async (s, log) => {
      await source(s, ['a'], 'error').pipeTo(sink(s, log)).catch((e) => log(`pipe ${describeError(e)}`));
      let cancelled: unknown = null;
      const endless = new s.ReadableStream<string>({
        pull: (c) => c.enqueue('x'),
        cancel: (reason) => void (cancelled = describeError(reason)),
      });
      await endless.pipeTo(sink(s, log, { failOn: 'x' })).catch((e) => log(`pipe ${describeError(e)}`));
      log(['source cancelled with', cancelled]);
      await source(s, ['a'], 'error').pipeTo(sink(s, log), { preventAbort: true }).catch((e) => log(`prevented ${describeError(e)}`));
    });
  });

  it('an AbortSignal stops the pipe, aborting the destination and cancelling the source', async () => {
    await same(async (s, log) => {
      let cancelled: unknown = null;
      const endless = new s.ReadableStream<string>({
        pull: (c) => new Promise<void>((resolve) => setTimeout(() => (cancelled === null && c.enqueue('tick'), resolve()), 1)),
        cancel: (reason) => void (cancelled = String(reason)),
      });
      const controller = new AbortController();
      const piped = endless.pipeTo(sink(s, () => {}), { signal: controller.signal as never }).catch((e) => log(`pipe ${String(e)}`));
      await settle();
      controller.abort('enough');
      await piped;
      log(['cancelled', cancelled, endless.locked]);
      const aborted = AbortSignal.abort('before');
      await source(s, ['a']).pipeTo(sink(s, log), { signal: aborted as never }).catch((e) => log(`already ${String(e)}`));
    });
  });

  it('refuses locked streams; pipeThrough chains transforms with backpressure', async () => {
    await same(async (s, log) => {
      const locked = source(s, ['a']);
      locked.getReader();
      await locked.pipeTo(sink(s, log)).catch((e) => log(`locked ${describeError(e)}`));
      const doubled = source(s, ['ab', 'cd'])
        .pipeThrough(new s.TransformStream<string, string>({ transform: (c, ctl) => ctl.enqueue(c + c) }))
        .pipeThrough(new s.TransformStream<string, string>({ transform: (c, ctl) => ctl.enqueue(c.toUpperCase()) }));
      const out: string[] = [];
      for await (const chunk of doubled as unknown as AsyncIterable<string>) out.push(chunk);
      log(out);
    });
  });
});

describe('TextEncoderStream and TextDecoderStream', () => {
  it('encode a surrogate pair split across chunks as one code point; a lone one at the end as U+FFFD', async () => {
    await same(async (s, log) => {
      const encoder = new s.TextEncoderStream();
      const writer = encoder.writable.getWriter();
      const bytes: number[] = [];
      const read = (async () => {
        for await (const chunk of encoder.readable as unknown as AsyncIterable<Uint8Array>) bytes.push(...chunk);
      })();
      for (const part of ['a\ud83d', '\ude00b', '\ud83d']) await writer.write(part);
      await writer.close();
      await read;
      log([encoder.encoding, bytes]);
    });
  });

  it('decode a multi-byte sequence split across chunks, and a BOM', async () => {
    await same(async (s, log) => {
      const decoder = new s.TextDecoderStream('utf-8');
      const text = new s.ReadableStream<Uint8Array>({
        start(c) {
          for (const part of [[0xef, 0xbb], [0xbf, 0x68, 0xe2, 0x82], [0xac, 0xf0, 0x9f], [0x98, 0x80, 0xe2]]) c.enqueue(new Uint8Array(part));
          c.close();
        },
      }).pipeThrough(decoder);
      let joined = '';
      for await (const chunk of text as unknown as AsyncIterable<string>) joined += chunk;
      log([decoder.encoding, decoder.fatal, joined]);
      const fatal = new s.TextDecoderStream('utf-8', { fatal: true });
      const w = fatal.writable.getWriter();
      void w.write(new Uint8Array([0xff])).catch(() => {});
      await fatal.readable.getReader().read().catch((e) => log(`fatal ${describeError(e)}`));
    });
  });
});

describe('queuing strategies', () => {
  it('count chunks or bytes', () => {
    expect(new CountQueuingStrategy({ highWaterMark: 3 }).size()).toBe(1);
    expect(new ByteLengthQueuingStrategy({ highWaterMark: 16 }).size(new Uint8Array(5))).toBe(5);
  });
});
