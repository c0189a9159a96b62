-- Daily routing fixes (issue 10, items 12, 14, 16).

-- A mail an agent starts waits for the customer's first answer without
-- holding one of the agent's places; the answer makes it count.
ALTER TABLE interactions ADD COLUMN awaiting_reply boolean NOT NULL DEFAULT false;

-- What a missed offer does, per campaign: after this many offers in a row an
-- agent lets lapse, they are paused with the reason "Missed offer" (0 = never);
-- and how many times an interaction nobody accepts is offered to the same
-- agents before it waits for someone new or back (ring all's bound).
ALTER TABLE campaigns
  ADD COLUMN missed_offers_pause integer NOT NULL DEFAULT 0 CHECK (missed_offers_pause BETWEEN 0 AND 100),
  ADD COLUMN offer_rounds integer NOT NULL DEFAULT 3 CHECK (offer_rounds BETWEEN 1 AND 100);

-- Offers the agent let lapse in a row (reset by an accepted offer or a change of presence).
ALTER TABLE agent_presence ADD COLUMN missed_offers integer NOT NULL DEFAULT 0;
