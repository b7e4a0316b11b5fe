/**
 * Kernel pipes for Node.js, which has no pipe(2): a FIFO made with mkfifo(1)
 * in a private directory, opened at both ends and unlinked at once. What is
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
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
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

let privateDir: string | null = null;
let fifoCount = 0;

/** A directory only this process uses, removed when it exits. */
export function processTempDir(): string {
  if (privateDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-'));
    privateDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return privateDir;
}

function openError(err: unknown, what: string): PipeError {
  const code = (err as NodeJS.ErrnoException).code;
  const limit = code === 'EMFILE' || code === 'ENFILE';
  return new PipeError(limit ? 'limit' : 'io', `${what}: ${(err as Error).message}`);
}

/** A new kernel pipe: both ends open, non-blocking, close-on-exec, no name left in the file system. */
export async function createFdPair(): Promise<FdPair> {
  const path = join(processTempDir(), `fifo-${++fifoCount}`);
  try {
    await run('mkfifo', ['-m', '600', path]);
  } catch (err) {
    throw new PipeError('io', `cannot create a pipe: mkfifo failed: ${(err as Error).message}`);
  }
  let readFd = -1;
  try {
    // The read end first: a non-blocking open of the write end fails (ENXIO) while no reader exists.
    readFd = openSync(path, O_RDONLY | O_NONBLOCK);
    const writeFd = openSync(path, O_WRONLY | O_NONBLOCK);
    return { readFd, writeFd };
  } catch (err) {
    if (readFd >= 0) closeSync(readFd);
    throw openError(err, 'cannot open a pipe');
  } finally {
    unlinkSync(path);
  }
}
