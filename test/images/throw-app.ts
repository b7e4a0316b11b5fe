/**
 * throw: fails on purpose, so tests can check that stack traces name the
 * TypeScript sources and lines. `--where=start` throws out of start (the
 * platform reports it), `--where=timer` out of a timer callback and
 * `--where=rejection` leaves a promise rejected (the runtime reports both).
 * Lines marked `line:NAME` are the ones the traces must name.
 */
import { ArgError, defineApp, parseArgs } from '../../lib/index.ts';

function failOnPurpose(what: string): never {
  throw new Error(`${what} failed on purpose`); // line:throw
}

export default defineApp({
  name: 'throw',
  devices: {},
  start({ args }) {
    const { where } = parseArgs(args, { where: { type: 'string', default: 'start', help: 'start, timer or rejection' } });
    switch (where) {
      case 'start':
        return failOnPurpose('start'); // line:start
      case 'timer':
        setTimeout(() => failOnPurpose('a timer'), 1); // line:timer
        return 0;
      case 'rejection':
        void Promise.resolve().then(() => failOnPurpose('a promise')); // line:rejection
        return 0;
      default:
        throw new ArgError('invalid', `--where: expected start, timer or rejection, got '${where}'`);
    }
  },
});
