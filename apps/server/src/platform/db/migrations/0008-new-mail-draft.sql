-- A new mail an agent is writing is kept as they type, like an answer's
-- draft: one per agent, bound to no interaction yet, and to a campaign only
-- once the agent has chosen one. Sending it deletes it.
ALTER TABLE drafts ALTER COLUMN campaign_id DROP NOT NULL;
CREATE UNIQUE INDEX drafts_new_mail_key ON drafts (user_id) WHERE interaction_id IS NULL;
