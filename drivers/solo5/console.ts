/** Console over the Solo5 console (the tender's standard output). */
import { consoleOver, type Console } from '../../lib/devices/console.ts';
import { bindings } from './bindings.ts';

export function createSolo5Console(): Console {
  const k = bindings();
  return consoleOver((line) => k.write(`${line}\n`));
}
