/**
 * throw: fails on purpose, so tests can check that stack traces name the
 * TypeScript sources and lines. `--where=start` throws out of start (the
 * platform reports it), `--where=timer` out of a timer callback and
 * `--where=rejection` leaves a promise rejected (the runtime reports both);
 * `--where=caught` catches errors and prints what app code reads of them
 * (`err.stack`, and `console.log(err)`). Lines marked `line:NAME` are the ones the traces must name.
 */
import { ArgError, defineApp, parseArgs } from '../../lib/index.ts';

function failOnPurpose(what: string): never {
  throw new Error(`${what} failed on purpose`); // line:throw
}

/** Names itself after super(): the stack's header must show the name it ends up with. */
class CheckError extends Error {
  constructor(message: string) {
    super(message); // line:subclass
    this.name = 'CheckError';
  }
}

function printCaught(): void {
  try {
    failOnPurpose('a caught call'); // line:caught
  } catch (err) {
    console.log(`caught stack:\n${(err as Error).stack}\ncaught stack end`);
    console.log('caught logged:', err);
  }
  console.log(`subclass stack:\n${new CheckError('checked').stack}\nsubclass stack end`);
}

export default defineApp({
  name: 'throw',
  devices: {},
  start({ args }) {
    const { where } = parseArgs(args, { where: { type: 'string', default: 'start', help: 'start, timer, rejection or caught' } });
    switch (where) {
      case 'start':
        return failOnPurpose('start'); // line:start
      case 'timer':
        setTimeout(() => failOnPurpose('a timer'), 1); // line:timer
        return 0;
      case 'rejection':
        void Promise.resolve().then(() => failOnPurpose('a promise')); // line:rejection
        return 0;
      case 'caught':
        printCaught(); // line:print-caught
        return 0;
      default:
        throw new ArgError('invalid', `--where: expected start, timer, rejection or caught, got '${where}'`);
    }
  },
});
