/**
 * Unix pipe details beyond the Pipe contract: no descriptor is kept past
 * close, end of file or EPIPE (an extra copy would hold back EOF and EPIPE
 * in other processes), and bad arguments get clear errors.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PipeError } from '../../lib/devices/pipe.ts';
import { pipesMadeAhead } from './pipe-fifo.ts';
import { createUnixPipes, UNIX_PIPE_CAPACITY } from './pipe.ts';

/** Descriptors of this process that are Kiln pipes handed out (FIFOs in a kiln- directory, unlinked), not those made ahead. */
function pipeDescriptors(): number {
  const all = readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return /kiln-.*fifo.*\(deleted\)/.test(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false;
    }
  });
  return all.length - 2 * pipesMadeAhead();
}

const pipes = createUnixPipes();

describe('unix pipes', () => {
  it('capacity is the kernel default, 64 KiB', () => {
    expect(pipes.capacity).toBe(UNIX_PIPE_CAPACITY);
    expect(UNIX_PIPE_CAPACITY).toBe(65536);
  });

  it('a pipe holds exactly two descriptors, and close releases them', async () => {
    const before = pipeDescriptors();
    const { reader, writer } = await pipes.create();
    expect(pipeDescriptors()).toBe(before + 2);
    await writer.write(new Uint8Array([1, 2, 3]));
    await reader.read();
    expect(pipeDescriptors()).toBe(before + 2);
    await reader.close();
    expect(pipeDescriptors()).toBe(before + 1);
    await writer.close();
    expect(pipeDescriptors()).toBe(before);
  });

  it('end of file and EPIPE release the end that saw them', async () => {
    const before = pipeDescriptors();
    const a = await pipes.create();
    await a.writer.close();
    expect(await a.reader.read()).toBeNull();
    expect(pipeDescriptors()).toBe(before);
    const b = await pipes.create();
    await b.reader.close();
    await expect(b.writer.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'broken-pipe' });
    expect(pipeDescriptors()).toBe(before);
    await Promise.all([a.reader.close(), b.writer.close()]);
  });

  it('bad arguments get clear errors and leave the pipe usable', async () => {
    const { reader, writer } = await pipes.create();
    expect(() => reader.read(0)).toThrow(/max must be a positive integer, got 0/);
    expect(() => reader.read(1.5)).toThrow(RangeError);
    await expect(writer.write('text' as unknown as Uint8Array)).rejects.toThrow(/expected a Uint8Array, got string/);
    await writer.write(new Uint8Array([7]));
    expect(await reader.read()).toEqual(new Uint8Array([7]));
    await Promise.all([reader.close(), writer.close()]);
  });

  it('closing a write end while its write waits fails that write with closed', async () => {
    const { reader, writer } = await pipes.create();
    const write = writer.write(new Uint8Array(pipes.capacity * 4));
    await writer.close();
    await expect(write).rejects.toMatchObject({ code: 'closed' });
    expect((await reader.read())!.length).toBeGreaterThan(0);
    await reader.close();
  });

  it('errors are PipeErrors with codes', async () => {
    const { reader, writer } = await pipes.create();
    await reader.close();
    const err = await writer.write(new Uint8Array(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    await writer.close();
  });
});
