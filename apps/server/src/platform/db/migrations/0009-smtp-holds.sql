-- A campaign's SMTP account held back after a failure that is the account's,
-- not a message's (login refused, server down, 421, timeouts): its messages
-- wait in the outbox instead of failing one by one. A hold with no retry_at
-- (the login was refused) waits for the admin to fix or verify the settings;
-- one with retry_at is tried again then, backing off like a message.
CREATE TABLE smtp_holds (
  campaign_id uuid PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
  code        text NOT NULL,
  response    text NOT NULL,
  attempts    integer NOT NULL DEFAULT 1,
  retry_at    timestamptz,
  since       timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
