import pg from 'pg';

/** Anything that runs SQL: the pool or a client inside a transaction. Use cases take this, never a global. */
export interface Queryable {
  /** `text` may be a named statement ({ name, text }): prepared once per connection, for hot paths where planning dominates. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string | Prepared, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** A statement PostgreSQL plans once per connection and then reuses. */
export interface Prepared {
  name: string;
  text: string;
}

/** The database handle passed into every use case. */
export interface Db extends Queryable {
  readonly pool: pg.Pool;
  /** Runs fn in one transaction; work that must follow the commit goes in afterCommit. */
  tx<T>(fn: (q: Queryable, afterCommit: (cb: () => void | Promise<void>) => void) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// Timestamps and bigints come back as strings/Dates by default; keep int8 as
// number where it fits because our counters never exceed 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens a pool to the given server; the caller owns closing it. */
export function createDb(connectionString: string, opts: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'postdesk',
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server emits here; without a listener the process dies.
  pool.on('error', () => undefined);
  return {
    pool,
    query: (text, values) => (typeof text === 'string' ? pool.query(text, values as unknown[]) : pool.query({ ...text, values: values as unknown[] })),
    async tx(fn) {
      const client = await pool.connect();
      const after: Array<() => void | Promise<void>> = [];
      try {
        await client.query('BEGIN');
        const result = await fn(client, (cb) => after.push(cb));
        await client.query('COMMIT');
        client.release();
        for (const cb of after) await cb();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        throw err;
      }
    },
    close: () => pool.end(),
  };
}

/** True when err is a PostgreSQL unique violation, optionally on a named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** True when the database answers (the readiness probe). */
export async function isReachable(q: Queryable): Promise<boolean> {
  try {
    await q.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
