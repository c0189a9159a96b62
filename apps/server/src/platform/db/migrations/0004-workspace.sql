-- The agent workspace: dispositions on close, internal notes, uploads for
-- outgoing attachments, drafts, customer ratings, and the indexes behind the
-- inbox and search.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE interactions
  ADD COLUMN disposition_id uuid REFERENCES dispositions (id) ON DELETE SET NULL,
  -- an outbound interaction an agent started (new mail), not a customer's
  ADD COLUMN started_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- Search (see searchInteractions): any part of the customer's address or
-- name, or of the subject, within the campaigns the agent belongs to. Rare
-- terms: trigram indexes led by the campaign (btree_gin), so only the
-- agent's campaigns are read. Common terms: each campaign's interactions
-- newest first, the searched columns carried in the index so the walk never
-- touches the table. The same index lists a campaign's newest interactions.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX interactions_address_trgm_idx ON interactions USING gin (campaign_id, lower(customer_address) gin_trgm_ops);
CREATE INDEX interactions_name_trgm_idx ON interactions USING gin (campaign_id, lower(customer_name) gin_trgm_ops);
CREATE INDEX interactions_subject_trgm_idx ON interactions USING gin (campaign_id, lower(subject) gin_trgm_ops);
CREATE INDEX interactions_campaign_recent_idx ON interactions (campaign_id, last_message_at DESC)
  INCLUDE (id, customer_address, customer_name, subject);
-- The contact's other open interactions, shown at the top of a thread.
CREATE INDEX interactions_contact_open_idx ON interactions (contact_id) WHERE status = 'open';

ALTER TABLE messages
  -- who wrote an outbound message (agent replies); null for automatic mail
  ADD COLUMN sent_by uuid REFERENCES users (id) ON DELETE SET NULL,
  -- the random part of the customer's rating links in this message (see rating-token.ts)
  ADD COLUMN rating_key bytea UNIQUE;

-- Internal notes on an interaction: never sent, never shown to the customer.
CREATE TABLE interaction_notes (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  interaction_id bigint NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
  user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
  text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interaction_notes_interaction_idx ON interaction_notes (interaction_id, created_at);

-- A file an agent uploaded for an outgoing message. The bytes are a
-- content-addressed blob; the name is only ever a display value.
CREATE TABLE uploads (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sha256       bytea NOT NULL REFERENCES blobs (sha256),
  filename     text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_user_idx ON uploads (user_id, created_at);

-- What an agent is writing, saved as they type: one per agent and
-- interaction, or free-standing for a new mail.
CREATE TABLE drafts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  interaction_id bigint REFERENCES interactions (id) ON DELETE CASCADE,
  mode           text NOT NULL CHECK (mode IN ('reply', 'reply_all', 'reply_history', 'forward', 'new')),
  to_addresses   jsonb NOT NULL DEFAULT '[]',
  cc_addresses   jsonb NOT NULL DEFAULT '[]',
  subject        text NOT NULL DEFAULT '',
  html           text NOT NULL DEFAULT '',
  -- [{ "uploadId": … } | { "messageId": …, "partPath": … }]
  attachments    jsonb NOT NULL DEFAULT '[]',
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX drafts_interaction_key ON drafts (user_id, interaction_id) WHERE interaction_id IS NOT NULL;

-- A customer's rating of one of our replies: one per message, changeable.
CREATE TABLE ratings (
  message_id     bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  interaction_id bigint NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
  score          smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ratings_interaction_idx ON ratings (interaction_id);
