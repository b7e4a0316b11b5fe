/**
 * kvget: the image side of the kv-image benchmark: formats the store on
 * `storage`, stores `--keys=N` values of 100 bytes, then times `--count=M`
 * random gets through lib/kv (with a value cache of `--cache-bytes`), each
 * awaited as an app would, with the monotonic clock:
 *   reads=M elapsed_ns=T
 */
import { block, defineApp, parseArgs } from '../../lib/index.ts';
import { formatLogStore, LogStore } from '../../lib/kv/log-store.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';

export default defineApp({
  name: 'kvget',
  devices: { storage: block() },
  async start({ devices, args, clock, console }) {
    const { keys, count, 'cache-bytes': cacheBytes } = parseArgs(args, {
      keys: { type: 'int', min: 1, max: 1_000_000, default: 10_000, help: 'keys to store first' },
      count: { type: 'int', min: 1, max: 1_000_000_000, default: 100_000, help: 'gets to time' },
      'cache-bytes': { type: 'int', min: 0, max: 1 << 30, default: 2 << 20, help: "the store's value cache (0: every get reads the device)" },
    });
    await formatLogStore(devices.storage);
    const kv = await LogStore.open(devices.storage, { nonDurable: true, cacheBytes });
    const value = new Uint8Array(100).fill(7);
    for (let i = 0; i < keys; i++) await kv.set(`k${i}`, value);
    await kv.sync();
    const random = new SeededRandom(count);
    const order = Array.from({ length: count }, () => `k${random.nextU32() % keys}`);
    const start = clock.monotonicNs();
    for (const key of order) await kv.get(key);
    console.write(`reads=${count} elapsed_ns=${clock.monotonicNs() - start}`);
    await kv.close();
    return 0;
  },
});
