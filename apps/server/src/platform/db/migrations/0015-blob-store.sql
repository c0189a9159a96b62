-- Raw messages and files in PostgreSQL (the default blob store), and what
-- the collector needs to find blobs nothing points at.
--
-- A blob's bytes are rows of at most 8,000 bytes in blob_chunks, kept in the
-- heap page itself (STORAGE PLAIN: never compressed, never moved out of
-- line). Measured here against TOAST, which cuts any larger value into ~2 KB
-- rows of its own table and indexes each one, this costs the server about
-- half the CPU a megabyte (4 against 7.5 ms/MB, COPY of the ingest mix), and
-- compression gained nothing on mail (base64 and images: 105 against 106 MB).
-- A blob's row in `blobs` says which chunk set holds its bytes (NULL: the
-- bytes are files of the filesystem store, not yet moved in).
ALTER TABLE blobs ADD COLUMN chunks bigint;
-- When a writer last relied on the blob (stored it, or found it already
-- stored): the collector leaves blobs touched within its grace period alone,
-- so an ingest deduplicating onto an old unreferenced blob never loses it.
ALTER TABLE blobs ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX blobs_chunks_key ON blobs (chunks) WHERE chunks IS NOT NULL;

CREATE TABLE blob_chunks (
  chunk_set bigint NOT NULL,
  seq       integer NOT NULL CHECK (seq >= 0),
  data      bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 8000),
  PRIMARY KEY (chunk_set, seq)
);
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE PLAIN;
-- One entry per chunk set, for the sweep of sets that were never registered
-- (a stream cut off half-way, a race lost to an identical blob).
CREATE INDEX blob_chunks_sets_idx ON blob_chunks (chunk_set) WHERE seq = 0;

-- A chunk set's id carries its creation time (seconds since the epoch,
-- shifted left 20 bits, and a cycling counter: exact as a JavaScript number
-- until the year 2242): the sweep of unregistered sets finds the old ones by
-- id, with no column of their own.
CREATE SEQUENCE blob_chunk_set_counter MAXVALUE 1048575 CYCLE;
CREATE FUNCTION blob_chunk_set_id() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT (floor(extract(epoch FROM clock_timestamp()))::bigint << 20) | nextval('blob_chunk_set_counter')
$$;

-- The collector asks, for every blob, whether any row still points at it;
-- and the foreign keys ask the same when a blob row is deleted. Each
-- referring column gets an index led by the key (messages' existing one is
-- turned round: it also served (campaign, key) look-ups, which it still does).
DROP INDEX messages_raw_idx;
CREATE INDEX messages_raw_idx ON messages (raw_sha256, campaign_id);
CREATE INDEX attachments_sha256_idx ON attachments (sha256);
CREATE INDEX quarantine_raw_sha256_idx ON quarantine (raw_sha256);
CREATE INDEX uploads_sha256_idx ON uploads (sha256);
