-- Queue-entry history (owned by the interactions module): one row per stay
-- of an interaction in a campaign's queue — its arrival, each reopening and
-- each transfer to another campaign start one — with when it was accepted
-- and by whom, and how the stay ended (closed, transferred on, returned).
-- The per-period reports count from here, because `interactions` keeps only
-- the latest stay (a reopening overwrites queued_at and closed_at).
--
-- The rows are written by triggers on `interactions`, in the same statement
-- as the change they record, so no writer of the lifecycle (ingestion's bulk
-- insert, routing's claim CTE, the repo's updates) can forget one. The
-- triggers are statement-level with transition tables: a bulk insert of
-- 10,000 interactions writes its entries in one INSERT … SELECT.
--
-- Moments come from the row the writer stored (queued_at, assigned_at,
-- closed_at), never from the trigger's clock, so they agree with it.
-- A deleted interaction keeps its entries (interaction_id set to null):
-- past reports do not change when mail is deleted.
CREATE TABLE queue_entries (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  interaction_id bigint REFERENCES interactions (id) ON DELETE SET NULL,
  campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  -- why it entered the queue: a new interaction, a reopening by the customer, a transfer from another campaign
  reason         text NOT NULL CHECK (reason IN ('new', 'reopen', 'transfer')),
  entered_at     timestamptz NOT NULL,
  -- the first acceptance of this stay (an offer taken, or a direct assignment)
  accepted_at    timestamptz,
  accepted_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  ended_at       timestamptz,
  -- closed: the stay ended with a close (abandoned when never accepted);
  -- transferred: moved on to another campaign's queue;
  -- returned: a transfer nobody took went back to the agent who made it
  outcome        text CHECK (outcome IN ('closed', 'transferred', 'returned')),
  -- the agent holding it when the stay ended
  ended_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  CHECK ((ended_at IS NULL) = (outcome IS NULL)),
  CHECK ((accepted_at IS NULL) OR (accepted_at >= entered_at - interval '1 second'))
);
-- at most one stay open per interaction
CREATE UNIQUE INDEX queue_entries_open_key ON queue_entries (interaction_id) WHERE ended_at IS NULL;
CREATE INDEX queue_entries_accepted_idx ON queue_entries (campaign_id, accepted_at) WHERE accepted_at IS NOT NULL;
CREATE INDEX queue_entries_ended_idx ON queue_entries (campaign_id, ended_at) WHERE outcome = 'closed';
CREATE INDEX queue_entries_interaction_idx ON queue_entries (interaction_id);
-- the reports count a rating in the period it was given
CREATE INDEX ratings_created_idx ON ratings (created_at);

-- Backfill: the latest stay of every interaction, as far as its row tells.
-- Earlier stays of reopened or transferred mail are not recoverable.
-- Conversations an agent started (and never reopened) never queued.
INSERT INTO queue_entries (interaction_id, campaign_id, reason, entered_at, accepted_at, accepted_by, ended_at, outcome, ended_by)
SELECT i.id, i.campaign_id,
       CASE WHEN i.transfer_from_campaign IS NOT NULL THEN 'transfer'
            WHEN i.first_accepted_at < i.queued_at THEN 'reopen'
            ELSE 'new' END,
       i.queued_at,
       a.accepted_at,
       CASE WHEN a.accepted_at IS NOT NULL THEN coalesce(i.assigned_to, i.last_agent) END,
       CASE WHEN i.status = 'closed' THEN i.closed_at END,
       CASE WHEN i.status = 'closed' THEN 'closed' END,
       CASE WHEN i.status = 'closed' AND a.accepted_at IS NOT NULL THEN i.last_agent END
  FROM interactions i
  CROSS JOIN LATERAL (SELECT CASE
           WHEN i.first_accepted_at >= i.queued_at THEN i.first_accepted_at
           WHEN i.assigned_at >= i.queued_at AND i.queue_state IN ('assigned', 'done') AND i.abandoned_at IS NULL THEN i.assigned_at
         END AS accepted_at) a
 WHERE NOT (i.started_by IS NOT NULL AND i.queued_at <= i.created_at)
   AND NOT (i.status = 'closed' AND i.closed_at IS NULL);

-- A new interaction waiting in the queue starts a stay.
CREATE FUNCTION queue_entries_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_entries (interaction_id, campaign_id, reason, entered_at, accepted_at, accepted_by)
  SELECT n.id, n.campaign_id, 'new', n.queued_at,
         CASE WHEN n.queue_state = 'assigned' THEN coalesce(n.assigned_at, n.queued_at) END,
         CASE WHEN n.queue_state = 'assigned' THEN n.assigned_to END
    FROM new_rows n
   WHERE n.status = 'open' AND n.started_by IS NULL;
  RETURN NULL;
END $$;

-- The changes of an interaction's row that start, accept or end a stay, in
-- the order they can combine in one statement: a stay ends when the
-- interaction leaves its campaign, a new one starts in the campaign it
-- enters (transfer) or when it reopens, the open stay is accepted when the
-- interaction becomes assigned from the queue, and ends when it closes.
CREATE FUNCTION queue_entries_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- most updates (read, reply, unread, sticky timers) touch none of it
  IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                  WHERE o.status <> n.status OR o.campaign_id <> n.campaign_id OR o.queue_state <> n.queue_state) THEN
    RETURN NULL;
  END IF;
  -- left its campaign: transferred on, or returned to the agent who transferred it
  UPDATE queue_entries e
     SET ended_at = CASE WHEN n.queue_state = 'assigned' THEN coalesce(n.assigned_at, n.updated_at) ELSE n.queued_at END,
         outcome = CASE WHEN n.queue_state = 'assigned' THEN 'returned' ELSE 'transferred' END,
         ended_by = o.assigned_to
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE e.interaction_id = n.id AND e.ended_at IS NULL AND o.campaign_id <> n.campaign_id;

  -- entered a campaign's queue again: transferred to it, or reopened by the customer
  INSERT INTO queue_entries (interaction_id, campaign_id, reason, entered_at)
  SELECT n.id, n.campaign_id, CASE WHEN o.campaign_id <> n.campaign_id THEN 'transfer' ELSE 'reopen' END, n.queued_at
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE n.status = 'open' AND n.queue_state IN ('waiting', 'offered')
     AND (o.campaign_id <> n.campaign_id OR o.status = 'closed')
   ON CONFLICT (interaction_id) WHERE ended_at IS NULL DO NOTHING;

  -- accepted: assigned to an agent from the queue (an offer taken or a direct assignment)
  UPDATE queue_entries e
     SET accepted_at = greatest(coalesce(n.assigned_at, n.updated_at), e.entered_at), accepted_by = n.assigned_to
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE e.interaction_id = n.id AND e.ended_at IS NULL AND e.accepted_at IS NULL
     AND n.queue_state = 'assigned' AND o.queue_state IN ('waiting', 'offered') AND n.assigned_to IS NOT NULL;

  -- closed: the stay ends (abandoned when it was never accepted)
  UPDATE queue_entries e
     SET ended_at = greatest(coalesce(n.closed_at, n.updated_at), e.entered_at), outcome = 'closed', ended_by = o.assigned_to
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE e.interaction_id = n.id AND e.ended_at IS NULL AND o.status = 'open' AND n.status = 'closed';
  RETURN NULL;
END $$;

CREATE TRIGGER interactions_queue_entries_insert AFTER INSERT ON interactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_entries_on_insert();
CREATE TRIGGER interactions_queue_entries_update AFTER UPDATE ON interactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_entries_on_update();
