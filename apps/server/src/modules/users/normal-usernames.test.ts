import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createDb, type Db } from '../../platform/db/db.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { findUserByUsername } from './users.repo.ts';
import { normalizeUsername } from './username.ts';

// Migration 0011 brings the user names of an existing installation to their
// one normal form, and refuses (naming them) names that only differ in case.
const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../platform/db/migrations');
const opened: Array<{ db: Db; name: string }> = [];

/** A database migrated up to (not including) the first migration named `before`. */
async function databaseBefore(before: string): Promise<Db> {
  const adminUrl = inject('pgAdminUrl');
  const name = `postdesk_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const db = createDb(u.toString(), { max: 2 });
  opened.push({ db, name });
  await db.query(`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}-.*\.sql$/.test(f) && f < before).sort();
  for (const f of files) {
    await db.query(await readFile(path.join(migrationsDir, f), 'utf8'));
    await db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
  }
  return db;
}

const addUser = (db: Db, username: string) =>
  db.query(`INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $1, 'agent', 'x')`, [username]);

afterAll(async () => {
  const adminUrl = inject('pgAdminUrl');
  for (const { db, name } of opened) {
    await db.close();
    const a = new pg.Client(adminUrl);
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  }
});

describe('normal form of user names', () => {
  it.each([
    ['admin', 'admin'],
    ['Admin', 'admin'],
    ['ＡＤＭＩＮ', 'admin'],
    ['\u212Aate', 'kate'], // KELVIN SIGN
    ['admİn', 'admi\u0307n'], // not admin: PostgreSQL's lower() said so
    ['ﬁona', 'fiona'],
  ])('%s → %s', (input, normal) => {
    expect(normalizeUsername(input)).toBe(normal);
  });
});

describe('migration 0011', () => {
  it('brings existing names to their normal form; they are found under any spelling', async () => {
    const db = await databaseBefore('0011');
    await addUser(db, 'Ana.Admin');
    await addUser(db, 'bob');
    expect(await migrate(db)).toContain('0011-normal-usernames.sql');
    const { rows } = await db.query<{ username: string }>('SELECT username FROM users ORDER BY username');
    expect(rows.map((r) => r.username)).toEqual(['ana.admin', 'bob']);
    expect((await findUserByUsername(db, 'ANA.ADMIN'))?.username).toBe('ana.admin');
    // a name not in the normal form cannot be stored any more
    await expect(addUser(db, 'Carl')).rejects.toThrow(/users_username_normal/);
  });

  it('refuses names that differ only in case, naming them, and changes nothing', async () => {
    const db = await databaseBefore('0011');
    // an installation older than the case-insensitive index could hold both
    await db.query('DROP INDEX users_username_key');
    await addUser(db, 'ana');
    await addUser(db, 'ANA');
    await addUser(db, 'Zed');
    await expect(migrate(db)).rejects.toThrow(/differ only in case.*'ANA', 'ana'/);
    const { rows } = await db.query<{ username: string }>('SELECT username FROM users');
    expect(rows.map((r) => r.username).sort()).toEqual(['ANA', 'Zed', 'ana']);
  });
});
