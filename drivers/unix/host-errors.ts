/**
 * Host errors (Node's `err.code`, an errno name) turned into the typed
 * errors the Flow and Stack signatures promise (block.ts maps its own codes).
 * The errno name stays in the message, so nothing the host said is lost.
 */
import { FlowError, type FlowErrorCode } from '../../lib/devices/flow.ts';
import { StackError, type StackErrorCode } from '../../lib/devices/stack.ts';

const FLOW_CODES: Record<string, FlowErrorCode> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  // EPIPE on a TCP socket: the peer reset the connection under our write.
  EPIPE: 'reset',
  ETIMEDOUT: 'timed-out',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
};

const STACK_CODES: Record<string, StackErrorCode> = {
  EADDRINUSE: 'address-in-use',
  EADDRNOTAVAIL: 'invalid-address',
  EINVAL: 'invalid-address',
  EMSGSIZE: 'message-size',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  // Ports below 1024 and broadcast need privileges the process lacks.
  EACCES: 'unsupported',
  EPERM: 'unsupported',
};

/** The errno name Node attached to `err`, if any. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(err: unknown): string {
  const errno = errnoOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return errno && !message.includes(errno) ? `${message} (${errno})` : message;
}

/**
 * A FlowError for a failed connection. An errno with no closer meaning
 * (EIO, ENOBUFS...) still ends the connection, which is what 'reset' says.
 */
export function flowErrorFrom(err: unknown, what: string): FlowError {
  return new FlowError(FLOW_CODES[errnoOf(err) ?? ''] ?? 'reset', `${what}: ${describe(err)}`);
}

/**
 * A StackError for a failed bind, listen (`binding`) or send. The signature has no
 * generic I/O code, so an errno with no closer meaning (EMFILE, ENOBUFS...)
 * becomes 'unsupported' with the host's words in the message.
 */
export function stackErrorFrom(err: unknown, what: string, binding = false): StackError {
  const errno = errnoOf(err) ?? '';
  const refused = errno === 'EACCES' || errno === 'EPERM';
  const hint = binding && refused ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
  return new StackError(STACK_CODES[errno] ?? 'unsupported', `${what}: ${describe(err)}${hint}`);
}
