import { KilnError } from '../errors.ts';

export type ForkErrorCode =
  /** The limit on live children is reached (hvt: 64 per unikernel, 256 in a whole tree), or (hvt) a `--fork-net` pool has no free tap left. */
  | 'limit'
  /** This platform or image cannot fork. */
  | 'unsupported'
  /** The host failed to create the copy. */
  | 'failed';

export class ForkError extends KilnError<ForkErrorCode> {}

/** How a child ended. */
export interface ExitStatus {
  /** Exit code (0-255); 255 when the child crashed without one. */
  code: number;
  /** True when the child did not exit by itself (a trap, an uncaught error, a signal). */
  crashed: boolean;
}

/** The parent's handle to a child. */
export interface Child {
  /** Platform id of the child (a process id on unix, a VM id on hvt). */
  readonly id: number;
  /** Resolves with the child's exit status once it has ended. */
  wait(): Promise<ExitStatus>;
}

export type ForkResult = { role: 'parent'; child: Child } | { role: 'child' };

/**
 * Fork: create a copy of the running unikernel. `fork()` resolves in both the
 * parent (`role: 'parent'`, with a handle to the child) and the child
 * (`role: 'child'`). Open pipe ends stay open in the child.
 *
 * On hvt the child is a real copy of the VM's memory and CPU state. On unix
 * Node cannot copy a JavaScript heap, so the child is a new Node process that
 * starts the application from the beginning; its n-th `fork()` call resolves
 * as the child of the parent's n-th call, and pipe ends created before the
 * fork are inherited as file descriptors. Code written in the usual shape
 * (create pipes, fork, branch on the role) behaves the same on both.
 */
export interface Fork {
  fork(): Promise<ForkResult>;
}
