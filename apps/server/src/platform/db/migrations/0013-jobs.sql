-- One table for jobs that are not rows of their own (platform/jobs): the copy
-- of a sent reply to the Sent folder first, the dialer's work later. A job is
-- added in the same transaction as the write that causes it; (kind, job_key)
-- makes adding idempotent; a claim is a lease (locked_until), counted as an
-- attempt, and fenced by (id, attempts) when it is settled. Done jobs are
-- deleted (the rows they changed hold the outcome); failed ones stay with
-- their error.
CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL,
  job_key      text,
  payload      jsonb NOT NULL,
  state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'failed')),
  run_at       timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts > 0),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_kind_key_idx ON jobs (kind, job_key);
CREATE INDEX jobs_due_idx ON jobs (kind, run_at, id) WHERE state <> 'failed';

-- The Sent-folder copy was a second queue on outbox columns: its pending and
-- failed work moves to jobs of kind outbound.sent_copy (keyed by the
-- message), with its attempts, next time and last error.
INSERT INTO jobs (kind, job_key, payload, state, run_at, attempts, max_attempts, last_error)
SELECT 'outbound.sent_copy', o.message_id::text, jsonb_build_object('messageId', o.message_id),
       CASE o.sent_copy WHEN 'failed' THEN 'failed' ELSE 'queued' END,
       coalesce(o.sent_copy_next_at, now()), o.sent_copy_attempts, greatest(10, o.sent_copy_attempts + 1), o.sent_copy_error
  FROM outbox o
 WHERE o.sent_copy IN ('pending', 'failed');

ALTER TABLE outbox
  DROP COLUMN sent_copy,
  DROP COLUMN sent_copy_attempts,
  DROP COLUMN sent_copy_next_at,
  DROP COLUMN sent_copy_error;
