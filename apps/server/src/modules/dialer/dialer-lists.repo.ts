import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ListRow } from '@postdesk/mailkit/bulk';
import type { Queryable } from '../../platform/db/db.ts';

/** Creates a list row (inside the import's transaction) and returns its id. */
export async function insertList(q: Queryable, dialerId: string, name: string): Promise<number> {
  const { rows } = await q.query<{ id: number }>('INSERT INTO dialer_lists (dialer_id, name) VALUES ($1, $2) RETURNING id', [dialerId, name]);
  return rows[0]!.id;
}

/** Sets a list's row count once its rows are in. */
export async function finishList(q: Queryable, listId: number, rows: number): Promise<void> {
  await q.query('UPDATE dialer_lists SET rows_total = $2 WHERE id = $1', [listId, rows]);
}

/** A COPY of ledger rows in progress on one client. */
export interface RowCopy {
  /** Writes a batch; resolves when the stream can take more (backpressure). */
  write(rows: readonly ListRow[]): Promise<void>;
  /** Ends the COPY; the rows become visible when the transaction commits. */
  end(): Promise<void>;
}

/**
 * Streams ledger rows into PostgreSQL with COPY (text format), the fastest
 * way in: one statement for the whole list, inside the caller's transaction,
 * so a refused list leaves nothing behind.
 */
export function copyRows(client: pg.PoolClient, dialerId: string, listId: number): RowCopy {
  const stream = client.query(
    copyFrom('COPY dialer_rows (dialer_id, list_id, line, priority, destination, domain, message, attachments, variables) FROM STDIN'),
  );
  let failed: Error | null = null;
  stream.on('error', (err: Error) => (failed = err));
  const prefix = `${dialerId}\t${listId}\t`;
  return {
    async write(rows) {
      if (failed) throw failed;
      let text = '';
      for (const r of rows) {
        const at = r.destination.lastIndexOf('@');
        text +=
          prefix +
          r.line +
          '\t' +
          r.priority +
          '\t' +
          escape(r.destination) +
          '\t' +
          escape(r.destination.slice(at + 1)) +
          '\t' +
          (r.message === null ? '\\N' : escape(r.message)) +
          '\t' +
          (r.attachments.length === 0 ? '\\N' : escape(`{${r.attachments.join(',')}}`)) +
          '\t' +
          escape(JSON.stringify(r.variables)) +
          '\n';
      }
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async end() {
      if (failed) throw failed;
      await new Promise<void>((resolve, reject) => {
        stream.once('finish', resolve);
        stream.once('error', reject);
        stream.end();
      });
    },
  };
}

// COPY text format: backslash, tab, newline and carriage return are escaped
function escape(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}
