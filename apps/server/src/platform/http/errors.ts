/** Every error code the API can answer with, and its HTTP status: one table. */
export const errorCodes = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  connection_failed: 422,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One field-level problem: a dotted path into the request and what is wrong there. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** A failure meant for the client: a stable code, a readable message, optional field details. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.status = errorCodes[code];
  }
}

/** Shorthand for the most common refusals. */
export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
export const forbidden = (): AppError => new AppError('forbidden', 'you are not allowed to do this');
export const invalid = (path: string, message: string): AppError =>
  new AppError('validation_failed', `${path}: ${message}`, [{ path, message }]);
/** A name already used where names are unique (templates, canned answers, dispositions, pause reasons): a 409 naming the field. */
export const nameTaken = (name: string, message = `"${name}" already exists here`): AppError =>
  new AppError('conflict', message, [{ path: 'name', message: 'already used' }]);
