/**
 * The logger the service and the worker write to: structured lines, details first and the message second —
 * the call shape of pino (`logger.info({ accountId, webhookId }, 'message')`), so a pino logger (or a child
 * of one) can be passed as it is. Details are plain data: every line about a webhook carries its `accountId`
 * and `webhookId`, and no line ever carries a write key (only its last 4 characters, as the API shows it).
 */
export interface Logger {
  /** Lifecycle and housekeeping: a webhook disconnected, held deliveries released, old deliveries pruned. */
  info(details: LogDetails, message: string): void;
  /** Needs a human eventually: a webhook needs attention, a write key is rate-limited, the store failed a call. */
  warn(details: LogDetails, message: string): void;
  /** Something failed that the kit will retry or cannot fix itself (store errors, undecryptable keys). */
  error(details: LogDetails, message: string): void;
}

/** The structured part of a log line. */
export type LogDetails = Record<string, unknown>;

/** A logger that drops everything: the default. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};

/**
 * A logger that writes one JSON object per line to the console (`console.log` / `console.warn` /
 * `console.error`): `{"level":"warn","msg":"…","accountId":"…",…}`. For hosts without a logger of their own.
 */
export const consoleJsonLogger: Logger = {
  info: (details, message) => console.log(JSON.stringify({ level: 'info', msg: message, ...details })),
  warn: (details, message) => console.warn(JSON.stringify({ level: 'warn', msg: message, ...details })),
  error: (details, message) => console.error(JSON.stringify({ level: 'error', msg: message, ...details })),
};
