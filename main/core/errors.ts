/**
 * Errors are values people can read: what failed, why, and what to do about it.
 * Every failure that reaches a user (CLI, API, UI) is a ConsoleError or is wrapped in one.
 */
export interface ConsoleErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** HTTP status when this error leaves the API. */
  status?: number;
  /** Machine-readable extras (e.g. the failing key path). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ConsoleError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: ConsoleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsoleError';
    this.code = code;
    this.hint = options.hint;
    this.status = options.status ?? 500;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isConsoleError(e: unknown): e is ConsoleError {
  return e instanceof ConsoleError;
}

/** A readable one-line description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof ConsoleError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
