-- Routing: agent presence, offers, the queue state of interactions and durable timers.
--
-- Timers are not a table of their own: each is a due time on the row it acts
-- on (offers.expires_at, interactions.sticky_agent_until, …). Firing one is a
-- conditional UPDATE that moves the row out of the state the timer belongs
-- to, under the row's lock, so any node may fire it and it fires exactly once.

ALTER TABLE campaigns
  ADD COLUMN offer_timeout_sec integer NOT NULL DEFAULT 30,
  ADD COLUMN auto_assign boolean NOT NULL DEFAULT false,
  -- the auto-reply sent instead of the confirmation to mail arriving while the schedule is closed
  ADD COLUMN out_of_hours_enabled boolean NOT NULL DEFAULT false,
  ADD COLUMN out_of_hours_template_id uuid REFERENCES templates (id) ON DELETE SET NULL;

ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check
  CHECK (kind IN ('customer', 'bounce', 'auto_reply', 'feedback', 'own', 'agent', 'confirmation', 'out_of_hours'));

-- A member's place for `linear` / round robin, and its penalty for weighted random.
ALTER TABLE campaign_members
  ADD COLUMN position integer NOT NULL DEFAULT 0,
  ADD COLUMN penalty integer NOT NULL DEFAULT 0 CHECK (penalty BETWEEN 0 AND 100);

-- The break types an agent pauses with.
CREATE TABLE pause_reasons (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX pause_reasons_name_key ON pause_reasons (lower(name)) WHERE deleted_at IS NULL;

-- One row per agent who ever logged in to the workspace; "busy" is derived from load.
CREATE TABLE agent_presence (
  user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  state           text NOT NULL CHECK (state IN ('offline', 'available', 'paused')),
  pause_reason_id uuid REFERENCES pause_reasons (id),
  since           timestamptz NOT NULL,
  CHECK ((state = 'paused') = (pause_reason_id IS NOT NULL))
);

-- Workspace connections per node, so "every session closed" is known across nodes.
CREATE TABLE agent_connections (
  node_id  text NOT NULL,
  user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sockets  integer NOT NULL CHECK (sockets > 0),
  seen_at  timestamptz NOT NULL,
  PRIMARY KEY (node_id, user_id)
);
CREATE INDEX agent_connections_user_idx ON agent_connections (user_id);

-- Per-campaign routing memory (the round-robin cursor).
CREATE TABLE campaign_routing (
  campaign_id uuid PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
  rr_cursor   uuid
);

-- queue_state: waiting (needs an agent), offered (an offer is out),
-- assigned (an agent owns it), done (closed).
ALTER TABLE interactions
  ADD COLUMN queue_state text NOT NULL DEFAULT 'waiting' CHECK (queue_state IN ('waiting', 'offered', 'assigned', 'done')),
  ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN assigned_to uuid REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN assigned_at timestamptz,
  ADD COLUMN first_accepted_at timestamptz,
  ADD COLUMN abandoned_at timestamptz,
  -- the agent who last handled it: sticky routing and "completed by"
  ADD COLUMN last_agent uuid REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN sticky_agent_until timestamptz,
  ADD COLUMN sticky_queue_until timestamptz,
  -- a transfer in progress: who gave it away, from which campaign, until when
  ADD COLUMN transfer_from uuid REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN transfer_from_campaign uuid REFERENCES campaigns (id) ON DELETE SET NULL,
  ADD COLUMN transfer_until timestamptz;

UPDATE interactions SET queue_state = 'done' WHERE status = 'closed';

CREATE INDEX interactions_waiting_idx ON interactions (campaign_id, queued_at, id) WHERE queue_state = 'waiting';
CREATE INDEX interactions_priority_idx ON interactions (campaign_id, queued_at, id)
  WHERE queue_state = 'waiting' AND (sticky_queue_until IS NOT NULL OR transfer_until IS NOT NULL);
CREATE INDEX interactions_load_idx ON interactions (assigned_to) WHERE queue_state = 'assigned';
CREATE INDEX interactions_finished_idx ON interactions (last_agent, closed_at) WHERE status = 'closed';
CREATE INDEX interactions_sticky_due_idx ON interactions (sticky_agent_until) WHERE sticky_agent_until IS NOT NULL;
CREATE INDEX interactions_transfer_due_idx ON interactions (transfer_until) WHERE transfer_until IS NOT NULL;

-- An offer of one interaction to one agent. kind 'transfer' when another agent hands it over.
CREATE TABLE offers (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  interaction_id bigint NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
  campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind           text NOT NULL CHECK (kind IN ('route', 'sticky', 'transfer')),
  state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  decided_at     timestamptz
);
CREATE UNIQUE INDEX offers_one_pending_idx ON offers (interaction_id, user_id) WHERE state = 'pending';
CREATE INDEX offers_pending_user_idx ON offers (user_id) WHERE state = 'pending';
CREATE INDEX offers_due_idx ON offers (expires_at) WHERE state = 'pending';
CREATE INDEX offers_interaction_idx ON offers (interaction_id, created_at);
