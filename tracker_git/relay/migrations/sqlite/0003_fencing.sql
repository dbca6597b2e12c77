-- Fencing: a token bumped on each claim.
ALTER TABLE tasks ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
