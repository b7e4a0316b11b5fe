/** Console over the Solo5 console (the tender's standard output). */
import type { Clock } from '../../lib/devices/clock.ts';
import { consoleOver, isoTime, type Console, type LogLevel } from '../../lib/devices/console.ts';
import { bindings } from './bindings.ts';

/** With `stampClock`, every line starts with its wall-clock time (`--log-time`). */
export function createSolo5Console(minLevel?: LogLevel, stampClock?: Clock): Console {
  const k = bindings();
  return consoleOver((line) => k.write(`${line}\n`), minLevel, stampClock && (() => isoTime(stampClock.wallNs())));
}
