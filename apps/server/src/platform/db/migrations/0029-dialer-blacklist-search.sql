-- The dialer blacklist screen searches addresses by any part ("acme",
-- "ana@"): a trigram index keeps a substring search an index scan on a
-- blacklist of millions (pg_trgm is created by 0004).
CREATE INDEX dialer_blacklist_address_trgm ON dialer_blacklist USING gin (address gin_trgm_ops);
