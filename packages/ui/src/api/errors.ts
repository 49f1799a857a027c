import { type ErrorCode, type Issue, type Problem, problemSchema } from '@segment-webhook/core/contract';

/**
 * Why a request failed: a problem `code` from the server, `network_error` when no response came
 * back (offline, CORS, aborted), `invalid_response` when the answer did not match the contract.
 */
export type ApiErrorCode = ErrorCode | 'network_error' | 'invalid_response';

/**
 * The one error the API client throws. Carries the RFC 9457 problem when the server sent one, so
 * components can switch on `code` and map `errors[].path` back onto form fields.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** Stable code to switch on. */
  readonly code: ApiErrorCode;
  /** HTTP status; 0 when no response came back. */
  readonly status: number;
  /** The problem+json body, when the server sent one. */
  readonly problem: Problem | null;
  /** Field-level problems (`validation_error`), e.g. `{path: ['fields', 2, 'key'], message}`. */
  readonly errors: Issue[];

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { status?: number; problem?: Problem | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.problem = options.problem ?? null;
    this.errors = options.problem?.errors ?? [];
  }

  /** Builds the error for a problem+json body. */
  static fromProblem(problem: Problem): ApiError {
    return new ApiError(problem.code, problem.detail || problem.title, { status: problem.status, problem });
  }
}

/** True when `error` is an {@link ApiError}, optionally with one of `codes`. */
export function isApiError(error: unknown, ...codes: ApiErrorCode[]): error is ApiError {
  return error instanceof ApiError && (codes.length === 0 || codes.includes(error.code));
}

/** Turns a non-2xx response into an {@link ApiError}, keeping the problem when it is one. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const parsed = problemSchema.safeParse(body);
  if (parsed.success) return ApiError.fromProblem(parsed.data);
  const code: ErrorCode =
    response.status === 401
      ? 'unauthorized'
      : response.status === 404
        ? 'not_found'
        : response.status === 413
          ? 'payload_too_large'
          : response.status === 409
            ? 'invalid_state'
            : response.status >= 400 && response.status < 500
              ? 'validation_error'
              : 'internal_error';
  return new ApiError(code, `Request failed with HTTP ${response.status}`, { status: response.status });
}
