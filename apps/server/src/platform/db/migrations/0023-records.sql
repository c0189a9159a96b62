-- Records (the supervisor's interactions list): saved advanced searches, and
-- what is left of deleted mail so that it is never imported again.

-- A supervisor's saved search: the filters and conditions as the console
-- sent them (validated by the contract on the way in and out).
CREATE TABLE saved_searches (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  search     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_searches_user_idx ON saved_searches (user_id, created_at);

-- One row per deleted message: its Message-ID, its bytes' hash and where it
-- came from. Ingestion treats a message matching one as already stored, so
-- a mailbox resynchronised after a UIDVALIDITY change, or a POP3 server
-- still holding it, never brings deleted mail back. The bytes themselves are
-- gone (the blob is collected once nothing refers to it).
CREATE TABLE deleted_messages (
  campaign_id        uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  direction          text NOT NULL,
  message_id         text,
  raw_sha256         bytea NOT NULL,
  source_folder      text,
  source_uidvalidity bigint,
  source_uid         bigint,
  source_uidl        text,
  deleted_by         uuid REFERENCES users (id) ON DELETE SET NULL,
  deleted_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deleted_messages_raw_idx ON deleted_messages (campaign_id, raw_sha256);
CREATE INDEX deleted_messages_source_idx ON deleted_messages (campaign_id, source_folder, source_uidvalidity, source_uid) WHERE source_uid IS NOT NULL;
CREATE INDEX deleted_messages_uidl_idx ON deleted_messages (campaign_id, source_uidl) WHERE source_uidl IS NOT NULL;
CREATE INDEX deleted_messages_message_id_idx ON deleted_messages (campaign_id, message_id) WHERE message_id IS NOT NULL;
