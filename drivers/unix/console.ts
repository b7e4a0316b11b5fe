/** Console on a host stream (stdout by default), formatted by the one `consoleOver` every platform uses. */
import { consoleOver, type Console, type LogLevel } from '../../lib/devices/console.ts';

export interface UnixConsoleOptions {
  out?: { write(text: string): unknown };
  minLevel?: LogLevel;
}

export interface UnixConsole extends Console {
  /** While muted nothing is printed (a forked child replaying up to its fork point is muted). */
  setMuted(muted: boolean): void;
}

export function createUnixConsole(options: UnixConsoleOptions = {}): UnixConsole {
  const out = options.out ?? process.stdout;
  let muted = false;
  const console = consoleOver((line) => {
    if (!muted) out.write(`${line}\n`);
  }, options.minLevel);
  return {
    ...console,
    setMuted: (on) => {
      muted = on;
    },
  };
}
