/** Checks of addresses and ports at the Stack signature's edge, throwing StackError('invalid-address'). */
import { StackError } from '../../lib/devices/stack.ts';
import { parseIpv4 } from '../../lib/ipv4-text.ts';

export function checkAddress(address: string, what: string): void {
  if (typeof address !== 'string' || parseIpv4(address) === null) {
    throw new StackError('invalid-address', `${what}: '${String(address)}' is not a dotted IPv4 address`);
  }
}

/** `min` is 0 where 0 means "any port" (bind, listen), 1 where a real port is needed (connect, send). */
export function checkPort(port: number, what: string, min: 0 | 1): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new StackError('invalid-address', `${what}: port ${String(port)} is not an integer from ${min} to 65535`);
  }
}
