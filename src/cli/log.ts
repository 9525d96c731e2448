/** A small leveled logger that writes one readable line per event to stderr. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  /** False when debug lines are dropped (see src/binding/log.ts). */
  readonly debugEnabled?: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = RANK[level];
  const at = (name: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (RANK[name] >= min) write(`${new Date().toISOString()} ${name.toUpperCase().padEnd(5)} ${message}\n`);
  };
  return { debugEnabled: RANK.debug >= min, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
