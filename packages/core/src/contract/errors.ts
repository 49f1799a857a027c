import { z } from 'zod';

/**
 * Every error code the kit produces, declared once. The HTTP adapter maps each to a status with
 * {@link ERROR_STATUS}; the UI switches on `code` in a problem response.
 */
export const ERROR_CODES = [
  'validation_error',
  'invalid_json',
  'payload_too_large',
  'unauthorized',
  'not_found',
  'invalid_state',
  'stream_limit_reached',
  'message_too_large',
  'unavailable',
  'storage_full',
  'internal_error',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for each error code. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unauthorized: 401,
  not_found: 404,
  invalid_state: 409,
  stream_limit_reached: 409,
  message_too_large: 422,
  unavailable: 503,
  // RFC 4918's 507 Insufficient Storage: the server cannot store what the request needs, for now.
  storage_full: 507,
  internal_error: 500,
};

/** Short human title for each error code (RFC 9457 `title`). */
export const ERROR_TITLE: Record<ErrorCode, string> = {
  validation_error: 'Invalid request',
  invalid_json: 'Malformed JSON',
  payload_too_large: 'Request body too large',
  unauthorized: 'Not signed in',
  not_found: 'Not found',
  invalid_state: 'Not allowed in the current state',
  stream_limit_reached: 'Outbound activity stream limit reached',
  message_too_large: 'Segment message too large',
  unavailable: 'Temporarily unavailable',
  storage_full: 'Storage full',
  internal_error: 'Something went wrong',
};

/** Stable RFC 9457 `type` URI for an error code. */
export function problemType(code: ErrorCode): string {
  return `https://segment-webhook.dev/problems/${code.replaceAll('_', '-')}`;
}

/** One invalid input, with the path of the offending field (`["fields", 2, "key"]`). */
export const issueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type Issue = z.infer<typeof issueSchema>;

/** RFC 9457 `application/problem+json` body, as every error response of the REST API has it. */
export const problemSchema = z.object({
  type: z.string(),
  code: z.enum(ERROR_CODES),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(issueSchema).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/**
 * The one error type of the kit. Thrown for invalid input (`validation_error`), unknown ids
 * (`not_found`), lifecycle conflicts (`invalid_state`), a store that cannot be reached for a while
 * (`unavailable`, with {@link SegmentWebhookError.retryAfterSeconds}), a store with no room left to write
 * (`storage_full`, also with a retry delay) and the like; never for a delivery
 * outcome (those are data). Its message never contains a write key.
 */
export class SegmentWebhookError extends Error {
  override readonly name = 'SegmentWebhookError';
  /** The stable code. */
  readonly code: ErrorCode;
  /** Field-level problems, for `validation_error`. */
  readonly issues: Issue[];
  /**
   * For errors that pass (`unavailable`, `storage_full`): whole seconds after which trying again may work. The HTTP edge
   * sends it as the `Retry-After` header.
   */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { issues?: Issue[]; cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options?.issues ?? [];
    this.retryAfterSeconds =
      options?.retryAfterSeconds === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfterSeconds));
  }

  /** HTTP status for this error. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** This error as an RFC 9457 problem body. */
  toProblem(): Problem {
    return {
      type: problemType(this.code),
      code: this.code,
      title: ERROR_TITLE[this.code],
      status: this.status,
      detail: this.message,
      ...(this.issues.length > 0 ? { errors: this.issues } : {}),
    };
  }
}

/** Turns a zod error into a `validation_error` with one issue per invalid field. */
export function validationErrorFromZod(error: z.ZodError, message = 'The request is invalid.'): SegmentWebhookError {
  return new SegmentWebhookError('validation_error', message, {
    issues: error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: issue.message,
    })),
  });
}

/** Parses `input` with `schema`, or throws a `validation_error` listing every invalid field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, message?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFromZod(result.error, message);
  return result.data;
}
