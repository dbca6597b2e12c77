-- Fencing: a token bumped on each claim.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS token BIGINT NOT NULL DEFAULT 0;
