export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Console: lines to the platform's console (stdout on unix, the tender's
 * console on hvt). `write` prints a line as it is; the level methods prefix
 * it with the level (and are filtered below the console's minimum level).
 */
export interface Console {
  write(line: string): void;
  log(level: LogLevel, message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Builds a Console from a line sink: the one place that formats levels, so
 * every platform prints the same way. With `stamp`, every line starts with
 * what it returns (platforms pass the wall-clock time for `--log-time`).
 */
export function consoleOver(sink: (line: string) => void, minLevel: LogLevel = 'info', stamp?: () => string): Console {
  const write = stamp ? (line: string): void => sink(`${stamp()} ${line}`) : sink;
  const log = (level: LogLevel, message: string): void => {
    if (LEVEL_RANK[level] >= LEVEL_RANK[minLevel]) write(`[${level}] ${message}`);
  };
  return {
    write,
    log,
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
  };
}

/** The wall-clock time of `wallNs` as ISO 8601 with milliseconds, for `--log-time` stamps. */
export function isoTime(wallNs: bigint): string {
  return new Date(Number(wallNs / 1_000_000n)).toISOString();
}
