/**
 * Kernel pipes for Node.js, which has no pipe(2): a FIFO made with mkfifo(1)
 * in a fresh private directory, opened at both ends and unlinked at once. What is
 * left is an anonymous kernel pipe with POSIX semantics (bounded buffer,
 * end-of-file once no writer is open, EPIPE once no reader is open) that
 * child processes can inherit as file descriptors.
 *
 * Every descriptor opened here is close-on-exec (libuv opens with O_CLOEXEC),
 * so only the descriptors a fork passes on purpose reach a child. The ones a
 * child inherits that way are close-on-exec in the child too (libuv sets it
 * as it starts a process; fork.test.ts checks), so they go no further than
 * the child passes them on itself.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PipeError } from '../../lib/devices/pipe.ts';

const run = promisify(execFile);
const { O_RDONLY, O_WRONLY, O_NONBLOCK } = constants;

export interface FdPair {
  readFd: number;
  writeFd: number;
}

/**
 * Pipes made ahead, open and unlinked: one mkfifo process makes BATCH of
 * them, as starting a process costs far more than a pipe. Holding them open
 * (rather than as names) leaves nothing in the file system, however this
 * process ends.
 */
const BATCH = 8;
const ready: FdPair[] = [];
let making: Promise<void> | null = null;

function openError(err: unknown, what: string): PipeError {
  const code = (err as NodeJS.ErrnoException).code;
  const limit = code === 'EMFILE' || code === 'ENFILE';
  return new PipeError(limit ? 'limit' : 'io', `${what}: ${(err as Error).message}`);
}

function openFifo(path: string): FdPair {
  // The read end first: a non-blocking open of the write end fails (ENXIO) while no reader exists.
  const readFd = openSync(path, O_RDONLY | O_NONBLOCK);
  try {
    return { readFd, writeFd: openSync(path, O_WRONLY | O_NONBLOCK) };
  } catch (err) {
    closeSync(readFd);
    throw err;
  }
}

async function makeBatch(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-pipes-'));
  try {
    const paths = Array.from({ length: BATCH }, (_, i) => join(dir, `fifo-${i}`));
    try {
      await run('mkfifo', ['-m', '600', ...paths]);
    } catch (err) {
      throw new PipeError('io', `cannot create a pipe: mkfifo failed: ${(err as Error).message}`);
    }
    for (const path of paths) {
      try {
        ready.push(openFifo(path));
      } catch (err) {
        // Out of descriptors part-way: keep what opened; fail only if nothing did.
        if (ready.length === 0) throw openError(err, 'cannot open a pipe');
        return;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new kernel pipe: both ends open, non-blocking, close-on-exec, no name in the file system. */
export async function createFdPair(): Promise<FdPair> {
  while (ready.length === 0) {
    making ??= makeBatch().finally(() => (making = null));
    await making;
  }
  return ready.pop()!;
}

/** How many pipes are made ahead and not handed out yet (each holds two descriptors). */
export function pipesMadeAhead(): number {
  return ready.length;
}
