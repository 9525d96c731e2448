/** What the binding logs through: one line per connection event and per primitive. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = (): void => {};

/** The default: say nothing (a library does not write to stderr unasked). */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
