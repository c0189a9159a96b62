-- The key the console gives each answer it sends (a UUID made when the
-- composer opens): an agent who sends again an answer whose first request
-- was committed by a node that died before replying gets the message that
-- was stored, never a second one. One row per agent and key; gone with the
-- message.
CREATE TABLE send_keys (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  send_key    uuid NOT NULL,
  message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, send_key)
);
CREATE INDEX send_keys_message_idx ON send_keys (message_id);
