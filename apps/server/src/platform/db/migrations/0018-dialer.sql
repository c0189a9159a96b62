-- The email dialer: dialers bound to a campaign's SMTP account, the lists
-- uploaded to them, and the send ledger (one row per list row, its state
-- durable: queued -> sending -> sent / failed / retrying).

CREATE TABLE dialers (
  id                uuid PRIMARY KEY,
  name              text NOT NULL,
  campaign_id       uuid NOT NULL REFERENCES campaigns (id),
  template_id       uuid REFERENCES templates (id),
  subject           text NOT NULL,
  -- pacing: at least interval_ms between messages, at most max_per_second (0 = no limit of its own)
  interval_ms       integer NOT NULL DEFAULT 0 CHECK (interval_ms >= 0),
  max_per_second    integer NOT NULL DEFAULT 0 CHECK (max_per_second >= 0),
  -- [{ "domain": "gmail.com", "perMinute": 600 }], and a default for every other domain (0 = none)
  domain_limits     jsonb NOT NULL DEFAULT '[]',
  default_domain_per_minute integer NOT NULL DEFAULT 0 CHECK (default_domain_per_minute >= 0),
  -- weekly windows in the dialer's zone: [{ "days": [1,2,3,4,5], "from": "13:00", "to": "18:00" }]; [] = always
  schedule          jsonb NOT NULL DEFAULT '[]',
  timezone          text NOT NULL DEFAULT 'UTC',
  -- the calendar invitation, or null: { summary, organizerEmail, organizerName, start, end, description, location }
  invite            jsonb,
  enabled           boolean NOT NULL DEFAULT true,
  -- running: the dialer sends when in schedule; stopped: by a person (or never started)
  state             text NOT NULL DEFAULT 'stopped' CHECK (state IN ('stopped', 'running')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz
);
CREATE UNIQUE INDEX dialers_name ON dialers (lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE dialer_lists (
  id                bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  dialer_id         uuid NOT NULL REFERENCES dialers (id),
  name              text NOT NULL,
  rows_total        integer NOT NULL DEFAULT 0,
  -- counters, moved in the same transaction as the rows they count
  sent              integer NOT NULL DEFAULT 0,
  failed            integer NOT NULL DEFAULT 0,
  retried           integer NOT NULL DEFAULT 0,
  skipped           integer NOT NULL DEFAULT 0,
  deleted           integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dialer_lists_dialer ON dialer_lists (dialer_id);

-- The send ledger. id is the number in the row's Message-ID and link token.
CREATE TABLE dialer_rows (
  id                bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  dialer_id         uuid NOT NULL,
  list_id           bigint NOT NULL REFERENCES dialer_lists (id),
  line              integer NOT NULL,
  priority          integer NOT NULL,
  destination       text NOT NULL,
  -- the destination's domain, for per-domain limits
  domain            text NOT NULL,
  message           text,
  attachments       text[],
  -- the row's variables as JSON text, written once and only read back whole by the sender (jsonb would be parsed on every insert and printed on every claim)
  variables         text NOT NULL,
  state             text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'retrying', 'skipped', 'deleted')),
  attempts          smallint NOT NULL DEFAULT 0,
  -- times the row was found 'sending' after a crash, or its connection died after its content was written:
  -- the server may have taken it, and it was sent again
  uncertain         smallint NOT NULL DEFAULT 0,
  due_at            timestamptz NOT NULL DEFAULT '-infinity',
  finished_at       timestamptz,
  smtp_code         smallint,
  reply             text
) WITH (fillfactor = 90);
-- the claim: by priority then list order, among rows that may be sent
CREATE INDEX dialer_rows_claim ON dialer_rows (dialer_id, priority, id) WHERE state IN ('queued', 'retrying');
CREATE INDEX dialer_rows_sending ON dialer_rows (dialer_id) WHERE state = 'sending';
CREATE INDEX dialer_rows_list ON dialer_rows (list_id, line);

-- Messages per minute, for the dashboard's chart.
CREATE TABLE dialer_minutes (
  dialer_id         uuid NOT NULL,
  minute            timestamptz NOT NULL,
  sent              integer NOT NULL DEFAULT 0,
  failed            integer NOT NULL DEFAULT 0,
  PRIMARY KEY (dialer_id, minute)
);
