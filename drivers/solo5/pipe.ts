/**
 * Pipes on hvt, over kiln-hvt's pipe device: a ring per pipe in memory the
 * forked unikernels share, moved by the runtime's C binding with no exit
 * while the ring allows, and host pipes held by the tenders for waking and
 * for end-of-file and EPIPE across unikernels
 * (platform-solo5/include/kiln_pipe_ring.h). Calls never block the VM: a
 * read of an empty pipe or a write to a full one waits for the device's
 * readiness and retries.
 */
import { PipeError, type PipeEnds, type PipeErrorCode, type PipeReader, type PipeWriter, type Pipes } from '../../lib/devices/pipe.ts';
import { bindingErrorCode, bindings } from './bindings.ts';
import { Readiness } from './readiness.ts';

/** A ring's size in kiln-hvt (KILN_PIPE_RING_SIZE): four times a Linux pipe's default. */
export const SOLO5_PIPE_CAPACITY = 262144;
const DEFAULT_READ = 65536;

function pipeError(err: unknown): PipeError {
  const codes: Record<string, PipeErrorCode> = { EPIPE: 'broken-pipe', ELIMIT: 'limit' };
  const code = codes[bindingErrorCode(err)] ?? 'io';
  return new PipeError(code, err instanceof Error ? err.message : String(err));
}

class End {
  closed = false;

  constructor(
    readonly id: number,
    private readonly ready: Readiness,
  ) {}

  /** Runs `attempt` until it moves bytes (not -1), waiting for readiness between tries. */
  async retry(attempt: () => number): Promise<number> {
    for (;;) {
      if (this.closed) throw new PipeError('closed', `pipe end ${this.id} is closed`);
      let n: number;
      try {
        n = attempt();
      } catch (err) {
        throw pipeError(err);
      }
      if (n >= 0) return n;
      await this.ready.next();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      bindings().pipeClose(this.id);
    } finally {
      this.ready.wakeAll(); // waiters on this end see it closed
    }
  }
}

class Solo5PipeReader implements PipeReader {
  constructor(private readonly end: End) {}

  async read(max = DEFAULT_READ): Promise<Uint8Array | null> {
    if (!Number.isSafeInteger(max) || max <= 0) throw new RangeError(`read: max must be a positive integer, got ${max}`);
    const buffer = new Uint8Array(Math.min(max, SOLO5_PIPE_CAPACITY));
    const n = await this.end.retry(() => bindings().pipeRead(this.end.id, buffer));
    return n === 0 ? null : buffer.subarray(0, n);
  }

  close(): Promise<void> {
    return this.end.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }
}

class Solo5PipeWriter implements PipeWriter {
  constructor(private readonly end: End) {}

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    do {
      const rest = data.subarray(offset);
      offset += await this.end.retry(() => bindings().pipeWrite(this.end.id, rest));
    } while (offset < data.byteLength);
  }

  close(): Promise<void> {
    return this.end.close();
  }
}

export function createSolo5Pipes(): Pipes {
  const ready = new Readiness((callback) => bindings().pipeWatch(callback));
  return {
    capacity: SOLO5_PIPE_CAPACITY,
    async create(): Promise<PipeEnds> {
      let ends: [number, number];
      try {
        ends = bindings().pipeCreate();
      } catch (err) {
        throw pipeError(err);
      }
      return {
        reader: new Solo5PipeReader(new End(ends[0], ready)),
        writer: new Solo5PipeWriter(new End(ends[1], ready)),
      };
    },
  };
}
