-- Users, sessions, API tokens.
CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL CHECK (username ~ '^[a-zA-Z0-9._@-]{1,64}$'),
  display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
  email         text CHECK (email IS NULL OR length(email) <= 254),
  role          text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
  language      text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es', 'it')),
  password_hash text NOT NULL,
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  role         text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
  prefix       text NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Contact lists (contacts themselves arrive with inbound mail).
CREATE TABLE contact_lists (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contact_lists_name_key ON contact_lists (lower(name));

-- Templates come before campaigns: a campaign names its signature and confirmation templates.
CREATE TABLE templates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  campaign_id uuid,
  html        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- An inbound email queue: its mail connection and queue settings.
CREATE TABLE campaigns (
  id                          uuid PRIMARY KEY,
  name                        text NOT NULL,
  key                         text NOT NULL,
  description                 text NOT NULL DEFAULT '',
  enabled                     boolean NOT NULL,
  receive_emails              boolean NOT NULL,
  from_address                text NOT NULL,
  from_name                   text NOT NULL,
  timezone                    text NOT NULL,
  service                     text NOT NULL,
  default_list_id             uuid REFERENCES contact_lists (id),
  inbound_protocol            text NOT NULL CHECK (inbound_protocol IN ('imap', 'pop3')),
  inbound_host                text NOT NULL,
  inbound_port                integer NOT NULL,
  inbound_security            text NOT NULL CHECK (inbound_security IN ('tls', 'starttls', 'none')),
  inbound_username            text NOT NULL,
  inbound_password_sealed     bytea,
  inbound_mailbox             text NOT NULL,
  inbound_connection_timeout_sec integer NOT NULL,
  inbound_auth_timeout_sec    integer NOT NULL,
  smtp_host                   text NOT NULL,
  smtp_port                   integer NOT NULL,
  smtp_security               text NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'none')),
  smtp_auth                   boolean NOT NULL,
  smtp_username               text NOT NULL,
  smtp_password_sealed        bytea,
  strategy                    text NOT NULL,
  service_level_sec           integer NOT NULL,
  max_interactions_per_agent  integer NOT NULL,
  wait_assigned_agent_sec     integer NOT NULL,
  wait_assigned_queue_sec     integer NOT NULL,
  transfer_to_agent           boolean NOT NULL,
  transfer_to_agent_timeout_sec integer NOT NULL,
  transfer_to_queue           boolean NOT NULL,
  transfer_to_queue_timeout_sec integer NOT NULL,
  mandatory_disposition       boolean NOT NULL,
  mark_as_unread              boolean NOT NULL,
  fetched_mail_action         text NOT NULL CHECK (fetched_mail_action IN ('leave', 'mark_seen', 'move', 'delete')),
  move_to_folder              text,
  closed_reply_action         text NOT NULL CHECK (closed_reply_action IN ('reopen', 'new_linked')),
  schedule                    jsonb NOT NULL DEFAULT '[]',
  threshold_service_level_sec integer NOT NULL,
  threshold_dropout_sec       integer NOT NULL,
  threshold_chat_time_sec     integer NOT NULL,
  threshold_acd_sec           integer NOT NULL,
  signature_template_id       uuid REFERENCES templates (id) ON DELETE SET NULL,
  confirmation_enabled        boolean NOT NULL,
  confirmation_template_id    uuid REFERENCES templates (id) ON DELETE SET NULL,
  qualification_enabled       boolean NOT NULL,
  qualification_title         text NOT NULL DEFAULT '',
  qualification_thanks        text NOT NULL DEFAULT '',
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  deleted_at                  timestamptz
);
-- A deleted campaign keeps its rows (its mail is never lost) but frees its name and key.
CREATE UNIQUE INDEX campaigns_name_key ON campaigns (lower(name)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX campaigns_key_key ON campaigns (upper(key)) WHERE deleted_at IS NULL;

ALTER TABLE templates ADD CONSTRAINT templates_campaign_fk
  FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX templates_name_key ON templates (coalesce(campaign_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

-- The last result of checking each of a campaign's mail connections.
CREATE TABLE campaign_connections (
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  protocol    text NOT NULL CHECK (protocol IN ('imap', 'pop3', 'smtp')),
  ok          boolean NOT NULL,
  code        text,
  message     text,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, protocol)
);

CREATE TABLE campaign_members (
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_members_user_idx ON campaign_members (user_id);

CREATE TABLE canned_answers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  text        text NOT NULL,
  campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX canned_answers_name_key ON canned_answers (coalesce(campaign_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

CREATE TABLE dispositions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX dispositions_name_key ON dispositions (campaign_id, lower(name));
