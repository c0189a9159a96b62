-- A second IMAP cursor: the campaign's action for fetched mail (mark seen,
-- move, delete) has been applied to every committed UID up to acted_uid in
-- this UIDVALIDITY epoch. A process that dies between a commit and the
-- action leaves acted_uid behind last_uid, and the next session applies the
-- action to the gap. Folders synced before this start caught up.
ALTER TABLE mailbox_folders ADD COLUMN acted_uid bigint NOT NULL DEFAULT 0;
UPDATE mailbox_folders SET acted_uid = last_uid;
