-- The dialer, phase 2: the run claim on the dialer row (one node sends a
-- dialer at a time; a dead node's lease lapses and another takes it over),
-- the attachments registry, the blacklist, the counters of what happened to
-- mail after it was sent (seen, rejected, spam, unsubscribed) and the link
-- from a reply to the dialer message it answers.

-- schedule holds the campaigns' frames: [{ "day": 0-6, "start": "HH:MM", "end": "HH:MM" }]; [] = always
ALTER TABLE dialers
  ADD COLUMN run_node text,
  ADD COLUMN run_until timestamptz,
  -- when the runner should look at the dialer next: now after a start or a new list, the schedule's opening, a retry's due time; null = nothing to do
  ADD COLUMN next_run_at timestamptz,
  -- rows a crashed run left in flight, reported on the dashboard (their SMTP transaction may have completed)
  ADD COLUMN in_flight_recovered integer NOT NULL DEFAULT 0;
CREATE INDEX dialers_due ON dialers (next_run_at) WHERE state = 'running' AND deleted_at IS NULL;

ALTER TABLE dialer_lists
  ADD COLUMN seen integer NOT NULL DEFAULT 0,
  ADD COLUMN rejected integer NOT NULL DEFAULT 0,
  ADD COLUMN spam integer NOT NULL DEFAULT 0,
  ADD COLUMN unsubscribed integer NOT NULL DEFAULT 0;

ALTER TABLE dialer_rows
  ADD COLUMN seen_at timestamptz,
  -- what came back about the message: a bounce, a complaint, an unsubscribe (each counted once per row)
  ADD COLUMN rejected_at timestamptz,
  ADD COLUMN spam_at timestamptz,
  ADD COLUMN unsubscribed_at timestamptz;

-- Files rows attach by token: scoped to a campaign, the token unguessable (128 random bits).
CREATE TABLE dialer_attachments (
  token        text PRIMARY KEY,
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  filename     text NOT NULL,
  content_type text NOT NULL,
  size         integer NOT NULL,
  sha256       bytea NOT NULL REFERENCES blobs (sha256),
  created_by   uuid REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dialer_attachments_campaign ON dialer_attachments (campaign_id, created_at);

-- Addresses that never receive dialer mail. address is the normal form
-- (NFKC, then lower case; computed by the application, compared with =).
CREATE TABLE dialer_blacklist (
  address      text PRIMARY KEY,
  reason       text NOT NULL CHECK (reason IN ('manual', 'upload', 'bounce', 'spam', 'unsubscribe')),
  note         text NOT NULL DEFAULT '',
  dialer_id    uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dialer_blacklist_created ON dialer_blacklist (created_at DESC, address);

-- A reply's message (inbound, customer mail) and the dialer row it answers.
CREATE TABLE dialer_replies (
  message_id     bigint PRIMARY KEY REFERENCES messages (id),
  row_id         bigint NOT NULL REFERENCES dialer_rows (id),
  interaction_id bigint NOT NULL REFERENCES interactions (id)
);
CREATE INDEX dialer_replies_row ON dialer_replies (row_id);
