-- OAuth2 mailboxes (issue 15). Owned by modules/oauth, except the campaign's
-- column, which modules/campaigns writes.

-- An app registration an admin made at a provider (Google Cloud, Microsoft
-- Entra, any OpenID Connect provider), entered once in the settings. The
-- client secret is sealed with the master key (context oauth-provider:<id>)
-- and never leaves the server.
CREATE TABLE oauth_providers (
  id                   uuid PRIMARY KEY,
  kind                 text NOT NULL CHECK (kind IN ('google', 'microsoft', 'oidc')),
  name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  -- the discovery base; for Microsoft built from the tenant
  issuer               text NOT NULL CHECK (length(issuer) <= 500),
  -- Microsoft only: a tenant id or domain (single tenant), or organizations / common (multi-tenant)
  tenant               text CHECK (tenant IS NULL OR length(tenant) <= 100),
  client_id            text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
  client_secret_sealed bytea NOT NULL,
  scopes               text NOT NULL CHECK (length(scopes) BETWEEN 1 AND 1000),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX oauth_providers_name_idx ON oauth_providers (lower(name));

-- One signed-in grant: who signed in (the address shown to the admin), its
-- tokens sealed (context oauth-account:<id>:refresh|access), and the state of
-- its refreshes. A campaign points at the account it signs in with; an
-- account nobody points at is a sign-in not saved yet, removed after a day.
CREATE TABLE oauth_accounts (
  id                   uuid PRIMARY KEY,
  provider_id          uuid NOT NULL REFERENCES oauth_providers (id),
  subject              text NOT NULL,
  email                text NOT NULL,
  refresh_token_sealed bytea,
  access_token_sealed  bytea NOT NULL,
  access_expires_at    timestamptz NOT NULL,
  -- when the current access token was issued: its lifetime sets when it is refreshed
  access_issued_at     timestamptz NOT NULL,
  scope                text,
  -- ok; backoff (the provider could not answer: tried again at next_attempt_at);
  -- sign_in_needed (the grant is gone: consent revoked, refresh token expired)
  state                text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'backoff', 'sign_in_needed')),
  last_error           text,
  failures             integer NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz,
  created_by           uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- A started sign-in, until its callback: the state (only its SHA-256), the
-- nonce and the PKCE verifier (sealed). Consumed by the first callback that
-- names it, before the code is exchanged, so a replayed callback finds it
-- spent. Its outcome (the account, or the refusal) is kept for the console
-- that started it to read.
CREATE TABLE oauth_sign_ins (
  id                    uuid PRIMARY KEY,
  state_hash            bytea NOT NULL UNIQUE,
  provider_id           uuid NOT NULL REFERENCES oauth_providers (id) ON DELETE CASCADE,
  -- signing in again: the account whose tokens the new grant replaces
  account_id            uuid REFERENCES oauth_accounts (id) ON DELETE CASCADE,
  -- the address the admin pinned: an ID token for anyone else is refused
  expected_email        text,
  nonce                 text NOT NULL,
  code_verifier_sealed  bytea NOT NULL,
  user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at            timestamptz NOT NULL,
  consumed_at           timestamptz,
  result_account_id     uuid REFERENCES oauth_accounts (id) ON DELETE SET NULL,
  error_code            text,
  error                 text,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_sign_ins_expiry_idx ON oauth_sign_ins (expires_at);

ALTER TABLE campaigns ADD COLUMN oauth_account_id uuid UNIQUE REFERENCES oauth_accounts (id);
