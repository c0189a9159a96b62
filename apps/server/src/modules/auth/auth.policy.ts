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

/** Marks the role guards, so the app can refuse a route that runs one after its body is read. */
export const ROLE_GUARD = Symbol('role guard');

/** A role guard: an `onRequest` hook of a route. */
export type RoleGuard = ((req: FastifyRequest, reply: FastifyReply) => Promise<void>) & { [ROLE_GUARD]: true };

/**
 * An `onRequest` hook that lets only the given roles through (401 when
 * anonymous, 403 otherwise). It runs before the body is read and validated,
 * so an anonymous or unentitled caller learns nothing of a route's schema
 * and cannot make the server parse a large body.
 */
export function requireRole(...roles: UserRole[]): RoleGuard {
  const guard = async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = principalOf(req);
    if (!roles.includes(p.role)) throw forbidden();
  };
  return Object.assign(guard, { [ROLE_GUARD]: true as const });
}

/** True for a hook made by requireRole. */
export const isRoleGuard = (hook: unknown): boolean => typeof hook === 'function' && (hook as Partial<RoleGuard>)[ROLE_GUARD] === true;

/** Any logged-in user. */
export const requireUser = requireRole('admin', 'supervisor', 'agent');

/**
 * Admins see every campaign; a supervisor only the campaigns an admin
 * assigned them, an agent only those they are members of — both through the
 * `campaign_access` view every repo's visibility SQL joins.
 */
export const seesAllCampaigns = (p: Pick<Principal, 'role'>): boolean => p.role === 'admin';

/** Admins and supervisors: the roles that watch queues and agents and act on others' interactions (within their scope). */
export const isStaff = (p: Pick<Principal, 'role'>): boolean => p.role === 'admin' || p.role === 'supervisor';

/** Whose campaigns a request may read: every one, or those of `campaign_access` for the user. */
export interface CampaignScope {
  userId: string;
  all: boolean;
}

/**
 * The one scope rule of every supervisor route, list and socket: admins read
 * every campaign, anyone else the campaigns `campaign_access` gives them
 * (membership for agents, supervision for supervisors). Anything outside it
 * is "not found".
 */
export const campaignScope = (p: Pick<Principal, 'role' | 'userId'>): CampaignScope => ({ userId: p.userId, all: seesAllCampaigns(p) });

const rank: Record<UserRole, number> = { agent: 0, supervisor: 1, admin: 2 };

/** A token may not carry more power than the user who creates it. */
export const roleAtMost = (role: UserRole, ceiling: UserRole): boolean => rank[role] <= rank[ceiling];

/**
 * The role a token acts with: its own, capped by its owner's role now. A
 * demoted owner's token therefore loses the power at once, on every request,
 * even before (or without) the token being revoked.
 */
export const tokenRole = (own: UserRole, ownerRole: UserRole): UserRole => (roleAtMost(own, ownerRole) ? own : ownerRole);
