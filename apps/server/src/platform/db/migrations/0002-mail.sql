-- Inbound and outbound mail: mailbox sync state and leases, folder cursors,
-- content-addressed blobs, contacts, interactions, messages, attachments,
-- quarantine and the outbox.

-- One row per campaign mailbox: its sync state (what the console shows) and
-- the lease that makes exactly one node sync it at a time.
CREATE TABLE mailboxes (
  campaign_id      uuid PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
  state            text NOT NULL DEFAULT 'idle'
                   CHECK (state IN ('idle', 'connecting', 'connected', 'backoff', 'needs_attention', 'stopped')),
  last_sync_at     timestamptz,
  last_error       text,
  last_error_at    timestamptz,
  failures         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  -- bumped when the admin asks for a retry; the holder compares it to the
  -- value it last saw and reconnects at once
  retry_requested  integer NOT NULL DEFAULT 0,
  ingested         bigint NOT NULL DEFAULT 0,
  lease_holder     text,
  lease_expires_at timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The IMAP cursor: everything up to last_uid in this UIDVALIDITY epoch is
-- committed. It advances in the same transaction that stores a message.
CREATE TABLE mailbox_folders (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  folder       text NOT NULL,
  uidvalidity  bigint NOT NULL,
  last_uid     bigint NOT NULL DEFAULT 0,
  -- set while a UIDVALIDITY change is being resynchronised: until the new
  -- epoch has caught up, each message is also checked by Message-ID + hash
  resync_below bigint,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, folder)
);

-- POP3 has no cursor: every UIDL already stored is remembered.
CREATE TABLE pop3_uidls (
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  uidl        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, uidl)
);

-- Content-addressed blobs (raw messages, attachments) kept by the blob store;
-- the row records that the bytes are durably stored.
CREATE TABLE blobs (
  sha256     bytea PRIMARY KEY CHECK (length(sha256) = 32),
  size       bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  list_id      uuid NOT NULL REFERENCES contact_lists (id) ON DELETE CASCADE,
  address      text NOT NULL,
  address_norm text NOT NULL,
  name         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (list_id, address_norm)
);

-- A conversation with one customer in one campaign. The bigint id is what the
-- subject token shows ([#KEY-123]).
CREATE TABLE interactions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_id      uuid REFERENCES contacts (id) ON DELETE SET NULL,
  customer_address text NOT NULL,
  customer_name   text NOT NULL DEFAULT '',
  subject         text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  linked_to       bigint REFERENCES interactions (id) ON DELETE SET NULL,
  unread          boolean NOT NULL DEFAULT true,
  confirmation_sent_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  closed_at       timestamptz
);
CREATE INDEX interactions_campaign_status_idx ON interactions (campaign_id, status, created_at);
CREATE INDEX interactions_contact_idx ON interactions (contact_id);

-- Addresses that take part in an interaction: the thread check accepts a reply
-- only from one of them.
CREATE TABLE interaction_participants (
  interaction_id bigint NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
  address_norm   text NOT NULL,
  PRIMARY KEY (interaction_id, address_norm)
);

CREATE TABLE messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  interaction_id  bigint REFERENCES interactions (id) ON DELETE CASCADE,
  direction       text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  kind            text NOT NULL CHECK (kind IN ('customer', 'bounce', 'auto_reply', 'feedback', 'own', 'agent', 'confirmation')),
  -- the Message-ID header without angle brackets
  message_id      text,
  in_reply_to     text[] NOT NULL DEFAULT '{}',
  references_ids  text[] NOT NULL DEFAULT '{}',
  subject         text NOT NULL DEFAULT '',
  from_address    text NOT NULL DEFAULT '',
  from_name       text NOT NULL DEFAULT '',
  to_addresses    jsonb NOT NULL DEFAULT '[]',
  cc_addresses    jsonb NOT NULL DEFAULT '[]',
  sent_date       timestamptz,
  text_body       text,
  html_body       text,
  raw_sha256      bytea NOT NULL REFERENCES blobs (sha256),
  size            bigint NOT NULL,
  -- where an inbound message came from: exactly-once is enforced on these
  source_folder   text,
  source_uidvalidity bigint,
  source_uid      bigint,
  source_uidl     text,
  -- a bounce or feedback report points at the outbound message it reports on
  related_message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
  classification_reason text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX messages_imap_source_key ON messages (campaign_id, source_folder, source_uidvalidity, source_uid)
  WHERE source_uid IS NOT NULL;
CREATE UNIQUE INDEX messages_pop3_source_key ON messages (campaign_id, source_uidl) WHERE source_uidl IS NOT NULL;
CREATE INDEX messages_campaign_message_id_idx ON messages (campaign_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX messages_interaction_idx ON messages (interaction_id, created_at);
CREATE INDEX messages_raw_idx ON messages (campaign_id, raw_sha256);

CREATE TABLE attachments (
  message_id   bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  part_path    text NOT NULL,
  filename     text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL,
  sha256       bytea NOT NULL REFERENCES blobs (sha256),
  content_id   text,
  inline       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (message_id, part_path)
);

-- Messages the parser refused or that broke a limit: raw bytes kept, mailbox
-- carries on. Unique on the source so a restart cannot quarantine twice.
CREATE TABLE quarantine (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  raw_sha256      bytea NOT NULL REFERENCES blobs (sha256),
  size            bigint NOT NULL,
  reason_code     text NOT NULL,
  reason          text NOT NULL,
  subject         text,
  from_text       text,
  source_folder   text,
  source_uidvalidity bigint,
  source_uid      bigint,
  source_uidl     text,
  state           text NOT NULL DEFAULT 'quarantined' CHECK (state IN ('quarantined', 'released')),
  released_message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX quarantine_imap_source_key ON quarantine (campaign_id, source_folder, source_uidvalidity, source_uid)
  WHERE source_uid IS NOT NULL;
CREATE UNIQUE INDEX quarantine_pop3_source_key ON quarantine (campaign_id, source_uidl) WHERE source_uidl IS NOT NULL;
CREATE INDEX quarantine_campaign_idx ON quarantine (campaign_id, created_at DESC);

-- Outbound mail waiting for SMTP. Committed with the message row that causes
-- it; the raw bytes (with our Message-ID) are composed before the commit, so a
-- retry resends exactly the same message.
CREATE TABLE outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id      bigint NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'retrying', 'sent', 'failed')),
  envelope_from   text NOT NULL,
  envelope_to     text[] NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  last_error      text,
  smtp_response   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE state IN ('queued', 'retrying', 'sending');

-- Automatic replies sent, per campaign and address: the rate limit of the
-- confirmation message (and later the out-of-hours reply).
CREATE TABLE auto_replies (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  address_norm text NOT NULL,
  sent_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auto_replies_lookup_idx ON auto_replies (campaign_id, address_norm, sent_at DESC);
