import type { FastifyRequest } from 'fastify';
import { AppError, type ErrorDetail } from './errors.ts';

const NUL = '\u0000';
const MESSAGE = 'must not contain the NUL character';

// JSON objects, and the prototype-less dictionaries Fastify makes of query
// strings and path parameters; not binary bodies (uploads are Buffers).
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);

/**
 * The paths (dotted, as validation errors name fields) of every string or
 * object key holding a NUL character. Iterative: a deeply nested JSON body
 * cannot overflow the stack.
 */
export function nulPaths(value: unknown): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, string[]]> = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) found.push(path.join('.'));
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, String(i)]]);
    } else if (isPlainObject(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        if (k.includes(NUL)) found.push([...path, k].join('.'));
        else stack.push([child, [...path, k]]);
      }
    }
  }
  return found;
}

/**
 * One rule for every text a request carries — JSON body, query string, path
 * parameters: PostgreSQL cannot store NUL in text (error 22021, a 500), so
 * such a request is refused with a 400 naming each field. Binary bodies
 * (uploads) are not text and are left alone. A global preValidation hook:
 * after the role guards, before any route's schema.
 */
export async function refuseNulCharacters(req: FastifyRequest): Promise<void> {
  for (const [where, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
    const paths = nulPaths(value);
    if (paths.length === 0) continue;
    const details: ErrorDetail[] = paths.map((path) => ({ path, message: MESSAGE }));
    throw new AppError('validation_failed', `invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
}
