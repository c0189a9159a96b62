import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Who may read /metrics: with a token configured, whoever sends it as a
 * bearer token (compared in constant time); without, loopback clients only.
 * A request that came through a proxy on this machine is not local unless
 * the proxy is trusted (POSTDESK_TRUST_PROXY) and names a local client:
 * otherwise every visitor of the proxy would look like loopback.
 */
export function metricsGuard(opts: { token: string | undefined; trustsProxy: boolean }) {
  const expected = opts.token ? digest(opts.token) : null;
  return async (req: FastifyRequest): Promise<void> => {
    if (expected) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? digest(auth.slice(7).trim()) : null;
      if (!given || !timingSafeEqual(given, expected)) throw new AppError('unauthenticated', 'send the metrics token as a bearer token');
      return;
    }
    const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    if (!isLoopback(req.ip) || (forwarded && !opts.trustsProxy)) {
      throw new AppError('forbidden', 'metrics are served to loopback clients only (or set POSTDESK_METRICS_TOKEN)');
    }
  };
}
