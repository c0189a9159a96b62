import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden } from '../../platform/http/errors.ts';
import type { UserRole } from '../users/index.ts';
import type { Principal } from './auth.repo.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The request's principal, or a 401 when nobody is logged in. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthenticated', 'log in first');
  return req.principal;
}

/** A preHandler that lets only the given roles through (401 when anonymous, 403 otherwise). */
export function requireRole(...roles: UserRole[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = principalOf(req);
    if (!roles.includes(p.role)) throw forbidden();
  };
}

/** Any logged-in user. */
export const requireUser = requireRole('admin', 'supervisor', 'agent');

/** Admins and supervisors see every campaign; agents only those they are members of. */
export const seesAllCampaigns = (p: Principal): boolean => p.role === 'admin' || p.role === 'supervisor';

const rank: Record<UserRole, number> = { agent: 0, supervisor: 1, admin: 2 };

/** A token may not carry more power than the user who creates it. */
export const roleAtMost = (role: UserRole, ceiling: UserRole): boolean => rank[role] <= rank[ceiling];
