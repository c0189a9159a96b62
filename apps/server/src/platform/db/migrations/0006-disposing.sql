-- An agent choosing the disposition of an interaction is paused (no new
-- offers) when the campaign asks for it, and available again once closed.
ALTER TABLE campaigns ADD COLUMN pause_while_disposing boolean NOT NULL DEFAULT false;
