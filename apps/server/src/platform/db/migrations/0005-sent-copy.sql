-- A copy of each agent's reply in the campaign mailbox's Sent folder (IMAP
-- APPEND after SMTP accepted it), so the mailbox reads like one a person
-- answers from.

ALTER TABLE campaigns
  -- the IMAP folder replies are copied to; null: no copy
  ADD COLUMN sent_folder text;

ALTER TABLE outbox
  ADD COLUMN sent_copy text CHECK (sent_copy IN ('pending', 'done', 'failed')),
  ADD COLUMN sent_copy_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN sent_copy_next_at timestamptz,
  ADD COLUMN sent_copy_error text;
CREATE INDEX outbox_sent_copy_due_idx ON outbox (sent_copy_next_at) WHERE sent_copy = 'pending';
