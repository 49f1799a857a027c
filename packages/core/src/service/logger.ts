/**
 * The logger the service and the worker write to. Details are plain data; the kit never puts a write
 * key in a message or a detail.
 */
export interface Logger {
  /** Lifecycle and housekeeping: a webhook disconnected, held deliveries released, old deliveries pruned. */
  info(message: string, details?: Record<string, unknown>): void;
  /** Needs a human eventually: a webhook needs attention, a write key is rate-limited. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** Something failed that the kit will retry or cannot fix itself (store errors, undecryptable keys). */
  error(message: string, details?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
