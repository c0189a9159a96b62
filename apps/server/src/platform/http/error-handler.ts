import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorDetail } from './errors.ts';

interface ZodIssueLike {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: string[] };
}

// fastify-type-provider-zod turns each zod issue into { keyword: code,
// instancePath: "/a/b", message, params: rest-of-issue }.
function issueDetail(issue: ZodIssueLike, where: string): ErrorDetail[] {
  const base = (issue.instancePath ?? '').split('/').filter(Boolean);
  if (issue.keyword === 'unrecognized_keys' && issue.params?.keys?.length) {
    return issue.params.keys.map((k) => ({ path: [...base, k].join('.'), message: 'unknown field' }));
  }
  return [{ path: base.length ? base.join('.') : where, message: issue.message ?? 'invalid value' }];
}

/** The one place errors become responses: `{ code, message, details? }`; 5xx details never leak. */
export function errorHandler(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof AppError) {
    void reply.status(err.status).send({ code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const details = (err.validation as ZodIssueLike[]).flatMap((i) => issueDetail(i, where));
    const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
    void reply.status(400).send({ code: 'validation_failed', message: `invalid ${where}: ${summary}`, details });
    return;
  }
  const fe = err as FastifyError;
  const status = fe.statusCode ?? 500;
  if (status === 413) {
    void reply.status(413).send({ code: 'payload_too_large', message: 'request body is too large' });
    return;
  }
  if (status === 415) {
    void reply.status(415).send({ code: 'unsupported_media_type', message: 'send JSON (Content-Type: application/json)' });
    return;
  }
  if (status === 429) {
    void reply.status(429).send({ code: 'rate_limited', message: fe.message || 'too many requests, try again later' });
    return;
  }
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, empty body): safe to repeat.
    void reply.status(status).send({ code: status === 404 ? 'not_found' : 'validation_failed', message: fe.message });
    return;
  }
  req.log.error({ err }, 'unhandled error');
  void reply.status(500).send({ code: 'internal', message: 'internal error' });
}
