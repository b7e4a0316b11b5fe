/**
 * Fork on hvt, over kiln-hvt's fork device: the tender copies the running
 * VM (memory copy-on-write, vCPU state), so the child goes on from the same
 * point with the same JavaScript heap, pipes included. A child that crashes
 * (an uncaught error in a forked child, a trap, a signal) ends with status
 * 255, which the parent sees as `crashed`; a child that exits with 255 by
 * itself is taken for crashed too.
 *
 * The child's devices are not all the parent's (kiln-hvt's `--fork-net`,
 * `--fork-block`): `onChild` makes them the child's before its `fork()`
 * resolves.
 */
import { ForkError, type Child, type ExitStatus, type Fork, type ForkErrorCode, type ForkResult } from '../../lib/devices/fork.ts';
import { bindingErrorCode, bindings } from './bindings.ts';
import { Readiness } from './readiness.ts';

/** The status of a crashed child, as kiln-hvt reports traps and signals. */
export const CRASH_STATUS = 255;

export interface Solo5Fork extends Fork {
  /** Whether this unikernel is a forked child. */
  inChild(): boolean;
}

function forkError(err: unknown): ForkError {
  const codes: Record<string, ForkErrorCode> = { ELIMIT: 'limit', ENOSYS: 'unsupported', EINVAL: 'unsupported', ENODEV: 'unsupported' };
  const code = codes[bindingErrorCode(err)] ?? 'failed';
  const message = err instanceof Error ? err.message : String(err);
  // kiln-hvt reports an exhausted --fork-net pool as the same limit.
  return new ForkError(code, code === 'limit' ? `${message} (children, or free taps in a --fork-net pool)` : message);
}

export function createSolo5Fork(onChild: () => Promise<void> = () => Promise.resolve()): Solo5Fork {
  const ready = new Readiness((callback) => bindings().forkWatch(callback));
  let child = false;

  const handle = (id: number): Child => {
    let ended: Promise<ExitStatus> | undefined;
    const wait = async (): Promise<ExitStatus> => {
      for (;;) {
        const status = bindings().wait(id);
        if (status >= 0) return { code: status, crashed: status === CRASH_STATUS };
        await ready.next();
      }
    };
    return {
      id,
      wait: () => (ended ??= wait()),
    };
  };

  return {
    inChild: () => child,
    async fork(): Promise<ForkResult> {
      let id: number;
      try {
        id = bindings().fork();
      } catch (err) {
        throw forkError(err);
      }
      if (id !== 0) return { role: 'parent', child: handle(id) };
      child = true;
      await onChild();
      return { role: 'child' };
    },
  };
}
