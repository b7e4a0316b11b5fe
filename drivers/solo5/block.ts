/**
 * Block over a Solo5 BLOCK_BASIC device. Requests are checked against the
 * geometry first (a refused request changes nothing), then go to the tender,
 * which writes through to the backing file as each request completes.
 * `flush` is kiln-hvt's block flush (the tender's fdatasync; fdatasync on
 * the hosted platform). Upstream Solo5 tenders have no flush: there writes
 * outlive the unikernel but not a crash of the host, and opening the device
 * says so once through `warn`.
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
  durableFlush: boolean;
}

const acquired = new Map<string, Acquired>();

export interface Solo5BlockOptions {
  readOnly?: boolean;
  /** Told once, at the first opening, when flush cannot make writes durable on this tender. */
  warn?: (message: string) => void;
}

export function openSolo5Block(name: string, options: Solo5BlockOptions = {}): Block {
  const k = bindings();
  let device = acquired.get(name);
  if (!device) {
    device = k.blockAcquire(name);
    acquired.set(name, device);
    if (!device.durableFlush) {
      options.warn?.(`block '${name}': this tender has no block flush (upstream Solo5): writes survive the unikernel, not a crash of the host; run under kiln-hvt for durable writes`);
    }
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
    flush: () => {
      if (closed) return Promise.reject(new BlockError('closed', `block '${name}': closed`));
      try {
        k.blockFlush(handle);
        return Promise.resolve();
      } catch (err) {
        const unavailable = bindingErrorCode(err) === UNAVAILABLE;
        return Promise.reject(new BlockError(unavailable ? 'unavailable' : 'io', `block '${name}': flush failed (${bindingErrorCode(err)})`));
      }
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
