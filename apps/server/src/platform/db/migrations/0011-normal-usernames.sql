-- User names in one normal form (users/username.ts: NFKC, then lower case),
-- compared with = instead of lower(username) = lower($1): PostgreSQL's lower()
-- and JavaScript's toLowerCase() disagree outside ASCII (lower('İ') = 'i'),
-- which let `admİn` log in as `admin` under another rate-limit key. Names
-- are ASCII by the users_username_check, where NFKC changes nothing and the
-- two lower cases agree.
DO $$
DECLARE
  clashes text;
BEGIN
  SELECT string_agg(names, '; ') INTO clashes
    FROM (SELECT string_agg(quote_literal(username), ', ' ORDER BY username) AS names
            FROM users GROUP BY lower(username) HAVING count(*) > 1) c;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'user names that differ only in case cannot be told apart any more: %', clashes
      USING HINT = 'rename all but one of each (UPDATE users SET username = ''...'' WHERE id = ''...''), then start again';
  END IF;
END $$;

UPDATE users SET username = lower(username) WHERE username <> lower(username);
DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (username);
ALTER TABLE users ADD CONSTRAINT users_username_normal CHECK (username = lower(username));
