-- Supervisors are scoped: an admin assigns the campaigns each supervisor
-- supervises, and every supervisor read (Live view, workspace, lists,
-- sockets) is limited to them. Written only by modules/members.
CREATE TABLE campaign_supervisors (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, campaign_id)
);
CREATE INDEX campaign_supervisors_campaign_idx ON campaign_supervisors (campaign_id);

-- Supervisors of an existing installation keep what they saw: every campaign
-- there is now. A campaign created later is supervised by whom an admin says.
INSERT INTO campaign_supervisors (user_id, campaign_id)
SELECT u.id, c.id FROM users u CROSS JOIN campaigns c WHERE u.role = 'supervisor' AND c.deleted_at IS NULL;

-- Who may see a campaign besides admins: its member agents and its
-- supervisors. The one visibility rule every repo's SQL joins against
-- (an EXISTS on both columns is pushed into each branch's primary key).
CREATE VIEW campaign_access AS
  SELECT campaign_id, user_id FROM campaign_members
  UNION ALL
  SELECT campaign_id, user_id FROM campaign_supervisors;
