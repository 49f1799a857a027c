import type { LogDetails, Logger } from '@segment-webhook/core';

/** One line a {@link recordLogs} logger received. */
export interface RecordedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  details: LogDetails;
}

/** A logger that keeps what it is given, for the suites' log assertions. */
export interface LogRecorder {
  /** The kit's logger shape, pino's `(details, message)`. */
  logger: Logger;
  /** Every line, structured, oldest first. */
  lines: RecordedLine[];
  /** Every line as text, `level message {details as JSON}`: what `includes`/`startsWith` assertions read. */
  text: string[];
  /** Forgets every line (each test starts empty). */
  clear(): void;
}

/** A recording logger: one place for the argument order, which the kit changed once (issue 14). */
export function recordLogs(): LogRecorder {
  const lines: RecordedLine[] = [];
  const text: string[] = [];
  const record =
    (level: RecordedLine['level']) =>
    (details: LogDetails, message: string): void => {
      lines.push({ level, message, details });
      text.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
  return {
    logger: { info: record('info'), warn: record('warn'), error: record('error') },
    lines,
    text,
    clear() {
      lines.length = 0;
      text.length = 0;
    },
  };
}
