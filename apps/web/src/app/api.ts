import type { z } from 'zod';
import { apiErrorBodySchema } from '@postdesk/contracts';
import { noteServerDate } from './server-clock.ts';

/** One field or protocol named by an API error. */
export interface ApiErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failed request becomes one of these, so screens branch on a stable
 * `code` (validation_failed, connection_failed, …) instead of parsing text.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly ApiErrorDetail[];
  /** Seconds from a Retry-After header (rate limiting), when the server sent one. */
  readonly retryAfterSec: number | null;

  constructor(input: {
    status: number;
    code: string;
    message: string;
    details?: readonly ApiErrorDetail[];
    retryAfterSec?: number | null;
  }) {
    super(input.message);
    this.name = 'ApiError';
    this.status = input.status;
    this.code = input.code;
    this.details = input.details ?? [];
    this.retryAfterSec = input.retryAfterSec ?? null;
  }
}

/** True when `error` is an ApiError with the given code. */
export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

type UnauthenticatedHandler = () => void;
let onUnauthenticated: UnauthenticatedHandler = () => {
  if (window.location.pathname !== '/login') window.location.assign('/login');
};

/** The app installs a router-aware handler; the default falls back to a full page load. */
export function setUnauthenticatedHandler(handler: UnauthenticatedHandler): void {
  onUnauthenticated = handler;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Login and the session probe handle 401 themselves instead of redirecting. */
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryAfterSec = parseRetryAfter(response.headers.get('Retry-After'));
  let raw: unknown = null;
  try {
    raw = await response.json();
  } catch {
    raw = null;
  }
  const parsed = apiErrorBodySchema.safeParse(raw);
  if (parsed.success) {
    return new ApiError({ status: response.status, ...parsed.data, retryAfterSec });
  }
  return new ApiError({
    status: response.status,
    code: response.status >= 500 ? 'server_error' : 'http_error',
    message: response.statusText || `HTTP ${response.status}`,
    retryAfterSec,
  });
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    signal: options.signal,
  };
  if (options.body !== undefined) {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  const sentAt = Date.now();
  try {
    response = await fetch(path, init);
    noteServerDate(response.headers.get('Date'), sentAt, Date.now());
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({ status: 0, code: 'network_error', message: 'The server could not be reached.' });
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && options.redirectOn401 !== false) onUnauthenticated();
    throw error;
  }
  return response;
}

/** Calls the API and validates the JSON answer against `schema`. */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.output<S>> {
  const response = await send(path, options);
  const raw: unknown = await response.json();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : '';
    throw new ApiError({
      status: response.status,
      code: 'unexpected_response',
      message: `Unexpected response from ${options.method ?? 'GET'} ${path} ${where}`.trim(),
    });
  }
  return parsed.data;
}

/** Calls the API where the answer has no body (204). */
export async function apiSend(path: string, options: RequestOptions = {}): Promise<void> {
  await send(path, options);
}

/** Builds `path?k=v` from the defined entries only. */
export function withQuery(path: string, query: Record<string, string | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
