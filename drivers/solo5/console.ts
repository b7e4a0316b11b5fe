/** Console over the Solo5 console (the tender's standard output). */
import { consoleOver, type Console, type LogLevel } from '../../lib/devices/console.ts';
import { bindings } from './bindings.ts';

export function createSolo5Console(minLevel?: LogLevel): Console {
  const k = bindings();
  return consoleOver((line) => k.write(`${line}\n`), minLevel);
}
