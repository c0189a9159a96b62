import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { createDb, type Db } from '../../platform/db/db.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { findJobs } from '../../platform/jobs/jobs.repo.ts';
import { SENT_COPY_JOB } from './sent-copy.ts';

// Migration 0013 moves the Sent-folder copies off the outbox's columns into
// jobs: a database at 0012 with copies pending, failed and done is migrated,
// and the pending and failed work is carried over with its attempts, next
// time and error; nothing else becomes a job.

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../platform/db/migrations');
let db: Db;
let name: string;
const adminUrl = inject('pgAdminUrl');

beforeAll(async () => {
  name = `postdesk_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  db = createDb(u.toString(), { max: 2 });
  // the schema as it was before 0013, recorded as the runner records it
  await db.query(`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const file of (await readdir(migrationsDir)).filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f)).sort()) {
    if (file >= '0013') break;
    await db.query(await readFile(path.join(migrationsDir, file), 'utf8'));
    await db.query(`INSERT INTO schema_migrations (name) VALUES ($1)`, [file]);
  }
});
afterAll(async () => {
  await db?.close();
  const a = new pg.Client(adminUrl);
  await a.connect();
  await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await a.end();
});

describe('migration 0013: Sent-folder copies become jobs', () => {
  it('carries pending and failed copies over with their attempts, time and error', async () => {
    const campaignId = await insertCampaignRow(db);
    const sha = randomBytes(32);
    await db.query(`INSERT INTO blobs (sha256, size) VALUES ($1, 10)`, [sha]);
    const { rows: [it] } = await db.query<{ id: number }>(`INSERT INTO interactions (campaign_id, customer_address, subject) VALUES ($1, 'a@b.test', 'x') RETURNING id`, [campaignId]);
    const states: Array<[string | null, number, string | null, string | null]> = [
      ['pending', 2, '2030-01-01T00:00:00Z', 'IMAP Sent: NO [TRYCREATE]'],
      ['failed', 10, '2020-01-01T00:00:00Z', 'IMAP Sent: authentication failed'],
      ['done', 1, '2020-01-01T00:00:00Z', null],
      [null, 0, null, null],
    ];
    const ids: number[] = [];
    for (const [state, attempts, next, error] of states) {
      const { rows: [m] } = await db.query<{ id: number }>(
        `INSERT INTO messages (campaign_id, interaction_id, direction, kind, raw_sha256, size) VALUES ($1, $2, 'outbound', 'agent', $3, 10) RETURNING id`,
        [campaignId, it!.id, sha],
      );
      await db.query(
        `INSERT INTO outbox (message_id, campaign_id, state, envelope_from, envelope_to, sent_copy, sent_copy_attempts, sent_copy_next_at, sent_copy_error)
         VALUES ($1, $2, 'sent', 'q@example.test', '{a@b.test}', $3, $4, $5, $6)`,
        [m!.id, campaignId, state, attempts, next, error],
      );
      ids.push(m!.id);
    }

    expect(await migrate(db)).toContain('0013-jobs.sql');

    const jobs = await findJobs(db, SENT_COPY_JOB.kind);
    expect(jobs.map((j) => ({ key: j.job_key, payload: j.payload, state: j.state, attempts: j.attempts, runAt: j.run_at.toISOString(), error: j.last_error }))).toEqual([
      { key: String(ids[0]), payload: { messageId: ids[0] }, state: 'queued', attempts: 2, runAt: '2030-01-01T00:00:00.000Z', error: 'IMAP Sent: NO [TRYCREATE]' },
      { key: String(ids[1]), payload: { messageId: ids[1] }, state: 'failed', attempts: 10, runAt: '2020-01-01T00:00:00.000Z', error: 'IMAP Sent: authentication failed' },
    ]);
    // the payloads are what the job kind reads when it runs
    for (const j of jobs) expect(SENT_COPY_JOB.payload.safeParse(j.payload).success).toBe(true);
    expect(jobs[0]!.max_attempts).toBe(10);
    // the outbox no longer carries a second queue
    const columns = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox' AND column_name LIKE 'sent_copy%'`);
    expect(columns.rowCount).toBe(0);
  });
});
