import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). Algorithm 2 is
// Argon2id; the package exports it as a const enum, which isolated modules
// cannot inline, hence the literal.
const ARGON2ID = 2;
const options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a user's password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

// A real hash of a random string: verifying against it when the user does
// not exist costs the same as a real check, so timing does not reveal names.
let decoy: Promise<string> | undefined;

/** Checks a password; pass null for a missing user to spend the same time. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** A readable random password for the first admin. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
