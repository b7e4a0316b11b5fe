/**
 * Block over a Solo5 BLOCK_BASIC device. Requests are checked against the
 * geometry first (a refused request changes nothing), then go to the tender,
 * which writes through to the backing file as each request completes; Solo5
 * has no flush hypercall, so `flush` has nothing left to wait for.
 *
 * Solo5 hands out a device once and never takes it back, so the driver keeps
 * each acquisition: opening a name again (after closing it, as a reboot
 * would) gives a new Block over the same device. Solo5 has no read-only
 * devices either: `readOnly` is enforced here, in the guest.
 *
 * A forked child's calls on a device kiln-hvt refuses to children
 * (`--fork-block:NAME=refuse`) fail with `BlockError('unavailable')`.
 */
import { BlockError, checkBlockRequest, type Block, type BlockInfo } from '../../lib/devices/block.ts';
import { bindingErrorCode, bindings, UNAVAILABLE } from './bindings.ts';

interface Acquired {
  handle: number;
  capacity: number;
  blockSize: number;
}

const acquired = new Map<string, Acquired>();

export interface Solo5BlockOptions {
  readOnly?: boolean;
}

export function openSolo5Block(name: string, options: Solo5BlockOptions = {}): Block {
  const k = bindings();
  let device = acquired.get(name);
  if (!device) {
    device = k.blockAcquire(name);
    acquired.set(name, device);
  }
  const { handle, capacity, blockSize } = device;
  const info: BlockInfo = { sectorSize: blockSize, capacity, readOnly: options.readOnly ?? false };
  let closed = false;

  const io = (write: boolean, offset: number, data: Uint8Array): Promise<void> => {
    if (closed) return Promise.reject(new BlockError('closed', `block '${name}': closed`));
    try {
      checkBlockRequest(info, offset, data.length, write);
      if (data.length === 0) return Promise.resolve();
      if (write) k.blockWrite(handle, offset, data);
      else k.blockRead(handle, offset, data);
      return Promise.resolve();
    } catch (err) {
      if (err instanceof BlockError) return Promise.reject(err);
      const op = write ? 'write' : 'read';
      if (bindingErrorCode(err) === UNAVAILABLE) {
        return Promise.reject(new BlockError('unavailable', `block '${name}': ${op}: refused to a forked child (kiln-hvt --fork-block:${name}=refuse)`));
      }
      return Promise.reject(new BlockError('io', `block '${name}': ${op} at ${offset} failed (${bindingErrorCode(err)})`));
    }
  };

  return {
    info,
    read: (offset, buffer) => io(false, offset, buffer),
    write: (offset, data) => io(true, offset, data),
    flush: () => (closed ? Promise.reject(new BlockError('closed', `block '${name}': closed`)) : Promise.resolve()),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
