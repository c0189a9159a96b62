import type { z } from 'zod';
import type { UserRow } from './users.repo.ts';
import type { UserOut } from './users.schema.ts';

/** The public shape of a user: never the password hash. */
export function presentUser(u: UserRow): z.infer<typeof UserOut> {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    role: u.role,
    language: u.language,
    enabled: u.enabled,
    createdAt: u.created_at.toISOString(),
  };
}
