/**
 * Pipes on unix: kernel pipes (see pipe-fifo.ts), so read waits while empty,
 * write waits while full (the kernel's 64 KiB), end of file comes once no
 * write end is open in any process and EPIPE once no read end is, forked
 * children included: they inherit the ends as descriptors.
 *
 * In a forked child that is replaying up to its fork point (see fork.ts), the
 * n-th create() returns the ends of its parent's n-th pipe, as inherited
 * (ends its parent had already closed come back closed), instead of a new one.
 */
import { PipeError, type PipeEnds, type Pipes } from '../../lib/devices/pipe.ts';
import { processLineage, type InheritedEnd, type Lineage } from './fork-lineage.ts';
import { UnixPipeReader, UnixPipeWriter } from './pipe-ends.ts';
import { createFdPair } from './pipe-fifo.ts';

/** Linux's default pipe capacity; Node cannot change it (no fcntl F_SETPIPE_SZ). */
export const UNIX_PIPE_CAPACITY = 64 * 1024;

function fdOf(end: InheritedEnd): number | null {
  return 'fd' in end ? end.fd : null;
}

function ends(lineage: Lineage, ordinal: number, reader: InheritedEnd, writer: InheritedEnd): PipeEnds {
  const isOpen = (end: InheritedEnd): boolean => !('state' in end) || end.state !== 'closed';
  // The pipe stays in the lineage (for forks to pass on) until both ends are closed here.
  let open = Number(isOpen(reader)) + Number(isOpen(writer));
  const closed = (): void => {
    if (--open === 0) lineage.pipes.delete(ordinal);
  };
  const slot = {
    reader: new UnixPipeReader(fdOf(reader), lineage.journal, closed, 'state' in reader ? reader.state : undefined),
    writer: new UnixPipeWriter(fdOf(writer), lineage.journal, closed, 'state' in writer ? writer.state : undefined),
  };
  if (open > 0) lineage.pipes.set(ordinal, slot);
  return slot;
}

/** Replays the parent's create() number `ordinal`: its inherited ends, or its failure. */
function replayCreate(lineage: Lineage, ordinal: number): PipeEnds {
  const failure = lineage.journal.failureOf('create', ordinal);
  if (failure) throw failure;
  const inherited = lineage.inherited.get(ordinal);
  lineage.inherited.delete(ordinal);
  const [reader, writer] = inherited ?? [{ state: 'closed' }, { state: 'closed' }];
  return ends(lineage, ordinal, reader, writer);
}

export function createUnixPipes(): Pipes {
  const lineage = processLineage();
  return {
    capacity: UNIX_PIPE_CAPACITY,
    async create(): Promise<PipeEnds> {
      const ordinal = lineage.journal.next('create');
      if (lineage.replaying) return replayCreate(lineage, ordinal);
      try {
        const { readFd, writeFd } = await createFdPair();
        return ends(lineage, ordinal, { fd: readFd }, { fd: writeFd });
      } catch (err) {
        if (err instanceof PipeError) lineage.journal.recordFailure('create', ordinal, err);
        throw err;
      }
    },
  };
}
