import type { ErrorCode } from './types';

/**
 * A refused or failed API call. `code` is the server's stable error code (the UI
 * branches on it, never on `message`); `network` when no answer arrived at all.
 * `message` is one sentence that is safe to show; `field` names the offending input
 * for `invalid_input`, when there is one.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network';
  readonly field: string | undefined;

  constructor(status: number, code: ErrorCode | 'network', message: string, field?: string | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field ?? undefined;
  }
}

/** The sentence to show for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The error for a non-2xx answer: the envelope `{"error":{"code","message","field"}}`,
 * or a generic one when the body is not one (a proxy's page, say). */
export function errorFrom(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: string | null } } | null)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(status, err.code as ErrorCode, err.message, err.field);
  }
  return new ApiError(status, status >= 500 ? 'internal' : 'invalid_input', `The server answered ${status}.`);
}
