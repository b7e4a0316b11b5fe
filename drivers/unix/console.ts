/** Console on a host stream (stdout by default), formatted by the one `consoleOver` every platform uses. */
import type { Clock } from '../../lib/devices/clock.ts';
import { consoleOver, isoTime, type Console, type LogLevel } from '../../lib/devices/console.ts';

export interface UnixConsoleOptions {
  out?: { write(text: string): unknown };
  minLevel?: LogLevel;
  /** Start every line with this clock's wall-clock time (`--log-time`). */
  stampClock?: Clock;
}

export interface UnixConsole extends Console {
  /** While muted nothing is printed (a forked child replaying up to its fork point is muted). */
  setMuted(muted: boolean): void;
}

export function createUnixConsole(options: UnixConsoleOptions = {}): UnixConsole {
  const out = options.out ?? process.stdout;
  let muted = false;
  const clock = options.stampClock;
  const stamp = clock ? (): string => isoTime(clock.wallNs()) : undefined;
  const console = consoleOver((line) => {
    if (!muted) out.write(`${line}\n`);
  }, options.minLevel, stamp);
  return {
    ...console,
    setMuted: (on) => {
      muted = on;
    },
  };
}
