import { consoleJsonLogger, type Logger } from '@segment-webhook/core/browser';
import { type Problem, SegmentWebhookError, validationErrorFromZod } from '@segment-webhook/core/contract';
import { ZodError } from 'zod';

/**
 * Where unexpected errors are reported: structured details first, the message second — pino's call shape,
 * so a pino logger can be passed as it is (as to the service and the worker, see core's `Logger`).
 */
export interface HandlerLogger {
  /** Unexpected errors (answered with a generic 500 problem). */
  error(details: Record<string, unknown>, message: string): void;
  /** Client mistakes worth knowing about (never request bodies). Optional. */
  warn?(details: Record<string, unknown>, message: string): void;
}

/** The default logger: one JSON line per call on `console.error` / `console.warn` (core's `consoleJsonLogger`). */
export const consoleLogger: HandlerLogger & Logger = consoleJsonLogger;

/**
 * The `Retry-After` header value an error asks for, if any: read generically from the error itself or its
 * `details` (`retryAfter` in seconds or as an HTTP date, `retryAfterSeconds`, `retryAfterMs`), so an error
 * code such as a 503 `unavailable` carries its own hint to the client without the HTTP layer knowing it.
 */
export function retryAfterOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const sources = [error, (error as { details?: unknown }).details].filter(
    (source): source is Record<string, unknown> => typeof source === 'object' && source !== null,
  );
  for (const source of sources) {
    const { retryAfter, retryAfterSeconds, retryAfterMs } = source;
    if (
      typeof retryAfter === 'string' &&
      /^(\d+|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} [\d:]{8} GMT)$/.test(retryAfter)
    ) {
      return retryAfter;
    }
    const seconds =
      typeof retryAfter === 'number'
        ? retryAfter
        : typeof retryAfterSeconds === 'number'
          ? retryAfterSeconds
          : typeof retryAfterMs === 'number'
            ? retryAfterMs / 1000
            : null;
    if (seconds !== null && Number.isFinite(seconds) && seconds >= 0) return String(Math.ceil(seconds));
  }
  return null;
}

/** The generic answer to anything unexpected: no message, no stack, nothing from the error itself. */
const INTERNAL_DETAIL = 'An unexpected error occurred. It has been logged.';

/**
 * Turns anything thrown while answering a request into the kit's one error type, so that the HTTP
 * edge has a single error path (STYLE §5):
 * - a `SegmentWebhookError` is kept as it is;
 * - a `ZodError` becomes `validation_error` with one issue per invalid field;
 * - an HTTP error of a framework or body parser (`status`/`statusCode` 4xx) becomes the matching code
 *   (400 → `validation_error`, or `invalid_json` for a parse failure; 401; 404; 409; 413);
 * - anything else becomes `internal_error` with a generic detail. Its original message is never
 *   exposed; `unexpected` is `true` so that the caller logs it.
 */
export function toSegmentWebhookError(thrown: unknown): { error: SegmentWebhookError; unexpected: boolean } {
  if (thrown instanceof SegmentWebhookError) return { error: thrown, unexpected: thrown.code === 'internal_error' };
  if (thrown instanceof ZodError) return { error: validationErrorFromZod(thrown), unexpected: false };
  const status = httpStatusOf(thrown);
  if (status !== null && status >= 400 && status < 500) {
    const type = (thrown as { type?: unknown }).type;
    switch (status) {
      case 400:
        return type === 'entity.parse.failed'
          ? { error: new SegmentWebhookError('invalid_json', 'The body is not valid JSON.'), unexpected: false }
          : { error: new SegmentWebhookError('validation_error', 'The request is invalid.'), unexpected: false };
      case 401:
        return { error: new SegmentWebhookError('unauthorized', 'Sign in to use this API.'), unexpected: false };
      case 404:
        return { error: new SegmentWebhookError('not_found', 'Nothing was found at this address.'), unexpected: false };
      case 409:
        return {
          error: new SegmentWebhookError('invalid_state', 'Not allowed in the current state.'),
          unexpected: false,
        };
      case 413:
        return { error: new SegmentWebhookError('payload_too_large', 'The body is too large.'), unexpected: false };
      default:
        return { error: new SegmentWebhookError('validation_error', 'The request is invalid.'), unexpected: false };
    }
  }
  return {
    error: new SegmentWebhookError('internal_error', INTERNAL_DETAIL, { cause: thrown }),
    unexpected: true,
  };
}

function httpStatusOf(thrown: unknown): number | null {
  if (typeof thrown !== 'object' || thrown === null) return null;
  const candidate =
    (thrown as { status?: unknown; statusCode?: unknown }).status ?? (thrown as { statusCode?: unknown }).statusCode;
  return typeof candidate === 'number' && Number.isInteger(candidate) ? candidate : null;
}

/**
 * The RFC 9457 body for an error. For `internal_error` the detail is always the generic one, even
 * when the error was thrown with another message, so that nothing internal leaks.
 */
export function problemFor(error: SegmentWebhookError): Problem {
  const problem = error.toProblem();
  return error.code === 'internal_error' ? { ...problem, detail: INTERNAL_DETAIL } : problem;
}

/** Name, message and stack of an unexpected error, for the logger. */
export function describeUnexpected(error: SegmentWebhookError): Record<string, unknown> {
  const cause = error.cause ?? error;
  if (cause instanceof Error) return { name: cause.name, message: cause.message, stack: cause.stack };
  return { thrown: typeof cause === 'string' ? cause : Object.prototype.toString.call(cause) };
}

/** The name the Express adapter has always used for {@link HandlerLogger}. */
export type RouterLogger = HandlerLogger;
