/** What the binding logs through: one line per connection event and per primitive. */
export interface Logger {
  /**
   * False when debug lines are dropped anyway, so the per-primitive ones are not even
   * formatted (they are on the hot path). Absent means true.
   */
  readonly debugEnabled?: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = (): void => {};

/** The default: say nothing (a library does not write to stderr unasked). */
export const silentLogger: Logger = { debugEnabled: false, debug: ignore, info: ignore, warn: ignore, error: ignore };
