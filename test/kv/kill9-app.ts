/**
 * The kill -9 workload (kill9.ts drives it): a unix-target app that opens
 * the store on its block device (formatting a blank one) and does random
 * set, remove and batch operations one after another until it is killed.
 * Before each it prints `op <json>`, after it `ack <n>` (or `refused <n>`),
 * to standard output, which the driver points at a file: a line written
 * there survives SIGKILL, so every `ack` is an operation acknowledged.
 */
import { block, defineApp, parseArgs } from '../../lib/index.ts';
import type { KvWrite } from '../../lib/devices/kv.ts';
import { formatLogStore, isBlank, LogStore } from '../../lib/kv/log-store.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { encodeUtf8 } from '../../lib/text/utf8.ts';
import { kill9Op, type Kill9Op } from './kill9-ops.ts';

export default defineApp({
  name: 'kill9',
  devices: { disk: block() },
  async start({ devices, args, console }) {
    const { seed } = parseArgs(args, { seed: { type: 'int', min: 0, max: 2 ** 31, default: 1, help: 'workload seed' } });
    if (await isBlank(devices.disk)) await formatLogStore(devices.disk);
    const kv = await LogStore.open(devices.disk);
    const random = new SeededRandom(seed);
    const toWrite = (w: Kill9Op['writes'][number]): KvWrite => (w.value === undefined ? { op: 'remove', key: w.key } : { op: 'set', key: w.key, value: encodeUtf8(w.value) });
    console.info('ready');
    for (let n = 0; ; n++) {
      const op = kill9Op(random, seed, n);
      console.info(`op ${JSON.stringify(op)}`);
      try {
        await kv.batch(op.writes.map(toWrite));
        console.info(`ack ${n}`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'not-found') throw err;
        console.info(`refused ${n}`);
      }
    }
  },
});
