// Form plumbing shared by every form: field errors from client-side checks and from the
// server's `invalid_input` answers (which name the field), else one form-level message.
import { ApiError, errorMessage } from './backend';

export type Errors = Record<string, string>;

/** `aria-describedby` for a control rendered inside `Field`. */
export function describedBy(id: string, error?: string, hint?: string): string | undefined {
  return error || hint ? `${id}-msg` : undefined;
}

/**
 * Splits a thrown error into a field error (when the server named one of `fields`) or
 * a form error. Returns `[fieldErrors, formError]`.
 */
export function serverErrors(e: unknown, fields: readonly string[]): [Errors, string] {
  if (e instanceof ApiError && e.field && fields.includes(e.field)) return [{ [e.field]: e.message }, ''];
  return [{}, errorMessage(e)];
}

/** Focuses the first control marked invalid inside `form`. */
export function focusFirstInvalid(form: HTMLFormElement | undefined): void {
  queueMicrotask(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** The server's shortest password (`MIN_PASSWORD_LEN` in aiops-core's credentials). */
export const MIN_PASSWORD = 8;

/** What is wrong with a new password, checked before the server does; else undefined. */
export function passwordError(password: string): string | undefined {
  return password.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : undefined;
}

/** What is wrong with an issue title; else undefined. */
export function issueTitleError(title: string): string | undefined {
  const t = title.trim();
  if (!t) return 'Give the issue a title.';
  return t.length > 500 ? 'At most 500 characters.' : undefined;
}

/** "a, b , c" → ["a","b","c"] (empty parts dropped). */
export function splitList(s: string, sep: RegExp | string = ','): string[] {
  return s
    .split(sep)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}
