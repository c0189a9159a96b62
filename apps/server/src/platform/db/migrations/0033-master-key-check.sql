-- A value sealed with the installation's master key when the first node
-- starts: every later start (every node) opens it, so a node started with
-- another key — a regenerated master.key in a fresh data directory, a typo
-- in POSTDESK_MASTER_KEY — refuses to start instead of failing on each
-- mail password, OAuth2 token and Message-ID check it meets.
CREATE TABLE master_key_check (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
